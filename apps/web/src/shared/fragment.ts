/**
 * Reads `#name=value` from the URL fragment (which never reaches a server or its logs) and removes
 * it from the address bar, so that a copied link does not carry a credential. The value stays in
 * this tab's sessionStorage, so a reload keeps it.
 */
export function takeFragmentSecret(name: string, storageKey: string): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromFragment = params.get(name);
  if (fromFragment) {
    params.delete(name);
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    sessionStorage.setItem(storageKey, fromFragment);
    return fromFragment;
  }
  return sessionStorage.getItem(storageKey);
}

/** A random key for Idempotency-Key headers; crypto.randomUUID needs a secure context, this does not. */
export function randomKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The user id (`sub`) of a user token, for the balance path. The services verify the token; this only reads it. */
export function readTokenSubject(token: string): number | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = Number((JSON.parse(json) as { sub?: unknown }).sub);
    return Number.isInteger(sub) && sub > 0 ? sub : null;
  } catch {
    return null;
  }
}

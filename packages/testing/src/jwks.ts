import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface TestSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A fresh RS256 or ES256 key pair with its public JWK. */
export async function createSigningKey(kid: string, alg: 'RS256' | 'ES256'): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A user token signed by `key`, as an OIDC provider signs its access tokens. */
export async function signWithKey(
  key: TestSigningKey,
  claims: { sub: string; exp?: number; iss?: string; aud?: string; name?: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims, exp: claims.exp ?? now + 600 })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuedAt(now)
    .sign(key.privateKey);
}

/**
 * A local identity provider's JWKS endpoint: serves the public keys it is given, counts how often
 * it is fetched, and can rotate its keys.
 */
export async function startJwksServer(keys: TestSigningKey[]) {
  let served = keys;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    /** Serves these keys from now on (a rotation). */
    setKeys(next: TestSigningKey[]) {
      served = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

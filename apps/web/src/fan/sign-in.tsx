import { unwrap } from '@concert/client';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../shared/api.ts';

const DEMO_USER_KEY = 'demoUserId';

/** A demo fan number for this tab: the seed has users 1 to 1000, and others are created on first sight. */
function demoUserId(): number {
  const kept = Number(sessionStorage.getItem(DEMO_USER_KEY));
  if (Number.isInteger(kept) && kept > 0) return kept;
  const picked = 1 + Math.floor(Math.random() * 1000);
  sessionStorage.setItem(DEMO_USER_KEY, String(picked));
  return picked;
}

/**
 * The user token comes from the link the identity provider's sign-in sends the fan to
 * (`#userToken=…`). With development login on, a demo fan is one click away instead.
 */
export function SignIn(props: {
  api: Api;
  onSignedIn: (token: string) => void;
  onError: (err: unknown) => void;
}) {
  const [hasDevLogin, setHasDevLogin] = useState<boolean | null>(null);
  const [userId, setUserId] = useState(demoUserId);
  const [isBusy, setIsBusy] = useState(false);

  useEffect(() => {
    // A body the route refuses (400) proves it exists without signing anything; 404 means it is off.
    props.api.booking
      .POST('/v1/dev/login', { body: {} as { userId: number } })
      .then((res) => setHasDevLogin(res.response.status !== 404))
      .catch(() => setHasDevLogin(false));
  }, [props.api]);

  async function continueAsDemo(event: Event) {
    event.preventDefault();
    setIsBusy(true);
    try {
      const { userToken } = unwrap(await props.api.booking.POST('/v1/dev/login', { body: { userId } }));
      sessionStorage.setItem(DEMO_USER_KEY, String(userId));
      props.onSignedIn(userToken);
    } catch (err) {
      props.onError(err);
    } finally {
      setIsBusy(false);
    }
  }

  return (
    <div class="card sign-in" data-testid="sign-in">
      <h2>Sign in to get tickets</h2>
      {hasDevLogin === null ? (
        <div class="skeleton" />
      ) : hasDevLogin ? (
        <form class="sign-in" onSubmit={continueAsDemo}>
          <p class="muted">
            This is a demo box office. Continue as a demo fan; each fan number is a separate account with its
            own balance.
          </p>
          <label class="field">
            Demo fan number
            <input
              type="number"
              min={1}
              max={2147483647}
              value={userId}
              onInput={(e) => setUserId(Number((e.target as HTMLInputElement).value))}
              data-testid="demo-user-id"
            />
          </label>
          <button
            type="submit"
            class="btn btn-block"
            disabled={isBusy || !(userId > 0)}
            data-testid="demo-login"
          >
            Continue as demo fan #{userId}
          </button>
        </form>
      ) : (
        <p class="muted">
          Open this page from the link your ticket provider sent you after signing in: it carries your
          sign-in.
        </p>
      )}
    </div>
  );
}

import {
  bearer,
  type Concert,
  type FinalQueueStatus,
  type QueueStatus,
  type RetryInfo,
  unwrap,
  watchQueue,
} from '@concert/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { codeOf, createApi, describeError } from '../shared/api.ts';
import { calibrateClock } from '../shared/clock.ts';
import { readTokenSubject, takeFragmentSecret } from '../shared/fragment.ts';
import { Hero, makeNotice, Notice, type NoticeState, TopBar } from '../shared/layout.tsx';
import { Confirmation, type Receipt } from './confirmation.tsx';
import { Shop } from './shop.tsx';
import { SignIn } from './sign-in.tsx';
import { Waiting } from './waiting.tsx';

export type WaitingStatus = Extract<QueueStatus, { status: 'WAITING' }> & { soldOut?: boolean };

type Phase =
  | { kind: 'pick-concert' }
  | { kind: 'sign-in' }
  | { kind: 'joining' }
  | { kind: 'not-open' }
  | { kind: 'waiting'; status: WaitingStatus }
  | { kind: 'shopping'; queueToken: string; expiresAt: string }
  | { kind: 'confirmed'; receipt: Receipt }
  | { kind: 'ended'; reason: 'expired' | 'left' | 'session-over' };

/** How often a fan whose room is not open yet (or full) tries again. */
const RETRY_JOIN_MS = 10_000;

function readConcertId(): number | null {
  const raw = new URLSearchParams(location.search).get('concert');
  const id = raw === null ? Number.NaN : Number(raw);
  return Number.isInteger(id) && id > 0 && id <= 2_147_483_647 ? id : null;
}

/** When the first position was on screen, for the load-to-position measurement (performance marks). */
let hasMarkedFirstPosition = false;

export function FanApp() {
  const concertId = useMemo(readConcertId, []);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [userToken, setUserToken] = useState<string | null>(() =>
    takeFragmentSecret('userToken', 'userToken'),
  );
  const [concerts, setConcerts] = useState<Concert[] | null>(null);
  const [phase, setPhase] = useState<Phase>(() =>
    concertId === null ? { kind: 'pick-concert' } : userToken ? { kind: 'joining' } : { kind: 'sign-in' },
  );
  const watchAbort = useRef<AbortController | null>(null);
  const queueToken = useRef<string | null>(null);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const say = useCallback((tone: NoticeState['tone'], text: string) => setNotice(makeNotice(tone, text)), []);
  const api = useMemo(
    () =>
      createApi((info: RetryInfo) => {
        const seconds = Math.ceil(info.delayMs / 1000);
        say(
          'warn',
          info.status === 503 && info.url.endsWith('/v1/queue/tokens')
            ? `The waiting room is full right now. Trying again in ${seconds} s…`
            : `The box office is busy. Trying again in ${seconds} s…`,
        );
      }),
    [say],
  );
  const userId = userToken ? readTokenSubject(userToken) : null;
  const concertName = concerts?.find((c) => c.concertId === concertId)?.name;

  useEffect(() => {
    api.booking
      .GET('/v1/concerts')
      .then(unwrap)
      .then(setConcerts)
      .catch(() => setConcerts([]));
  }, [api]);

  useEffect(() => {
    if (concertName) document.title = `${concertName} · Encore Tickets`;
  }, [concertName]);

  const stopWatching = useCallback(() => {
    watchAbort.current?.abort(new DOMException('stopped', 'AbortError'));
    watchAbort.current = null;
    if (retryTimer.current) clearTimeout(retryTimer.current);
    retryTimer.current = null;
  }, []);
  useEffect(() => stopWatching, [stopWatching]);

  const onFinal = useCallback((final: FinalQueueStatus, queueToken: string) => {
    if (final.status === 'ACTIVE') {
      setNotice(makeNotice('success', "It's your turn! Pick your seats before the timer runs out."));
      setPhase({ kind: 'shopping', queueToken, expiresAt: final.expiresAt });
    } else {
      setPhase({ kind: 'ended', reason: 'expired' });
    }
  }, []);

  const join = useCallback(async () => {
    if (concertId === null || !userToken) return;
    stopWatching();
    setPhase((p) => (p.kind === 'waiting' ? p : { kind: 'joining' }));
    const sentAt = Date.now();
    try {
      const joined = await api.gateway.POST('/v1/queue/tokens', {
        headers: bearer(userToken),
        body: { concertId },
      });
      calibrateClock(joined.response, sentAt);
      const result = unwrap(joined);
      queueToken.current = result.token;
      setNotice((n) => (n?.tone === 'warn' ? null : n));
      if (result.status === 'ACTIVE' && result.expiresAt) {
        onFinal({ status: 'ACTIVE', expiresAt: result.expiresAt }, result.token);
        return;
      }
      setPhase({
        kind: 'waiting',
        status: {
          status: 'WAITING',
          position: result.position ?? 1,
          estimatedWaitSeconds: result.estimatedWaitSeconds ?? 0,
          pollAfterMs: result.pollAfterMs ?? 1000,
          ...('soldOut' in result ? { soldOut: Boolean(result.soldOut) } : {}),
        },
      });
      const controller = new AbortController();
      watchAbort.current = controller;
      const final = await watchQueue({
        gateway: api.gateway,
        streamUrl: api.streamUrl,
        token: result.token,
        signal: controller.signal,
        onStatus: (status) => {
          if (status.status === 'WAITING') {
            setPhase({ kind: 'waiting', status });
            setNotice((n) => (n?.tone === 'warn' ? null : n));
          }
        },
        onTrouble: (err) => say('warn', describeError(err)),
      });
      onFinal(final, result.token);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ABORTED') return;
      if (code === 'AUTH_INVALID') {
        sessionStorage.removeItem('userToken');
        setUserToken(null);
        setPhase({ kind: 'sign-in' });
        say('error', describeError(err));
        return;
      }
      if (code === 'TOKEN_INVALID' || code === 'TOKEN_NOT_ACTIVE') {
        setPhase({ kind: 'ended', reason: 'expired' });
        return;
      }
      say(code === 'QUEUE_NOT_FOUND' ? 'info' : 'error', describeError(err));
      setPhase({ kind: 'not-open' });
      // Not open yet, full, or unreachable: try again by itself, as the notice says.
      retryTimer.current = setTimeout(() => void join(), RETRY_JOIN_MS);
    }
  }, [api, concertId, onFinal, say, stopWatching, userToken]);

  useEffect(() => {
    if (phase.kind === 'joining') void join();
  }, [phase.kind === 'joining', userToken]);

  useEffect(() => {
    if (phase.kind !== 'waiting' || hasMarkedFirstPosition) return;
    hasMarkedFirstPosition = true;
    performance.mark('first-position');
  }, [phase]);

  async function leave() {
    if (phase.kind !== 'waiting') return;
    const token = queueToken.current;
    stopWatching();
    if (token)
      await api.gateway.DELETE('/v1/queue/tokens/current', { headers: bearer(token) }).catch(() => null);
    setNotice(null);
    setPhase({ kind: 'ended', reason: 'left' });
  }

  function signedIn(token: string) {
    sessionStorage.setItem('userToken', token);
    setUserToken(token);
    setNotice(null);
    setPhase(concertId === null ? { kind: 'pick-concert' } : { kind: 'joining' });
  }

  function signOut() {
    stopWatching();
    sessionStorage.removeItem('userToken');
    setUserToken(null);
    setNotice(null);
    setPhase(concertId === null ? { kind: 'pick-concert' } : { kind: 'sign-in' });
  }

  const title =
    concertId === null ? 'Upcoming concerts' : (concertName ?? (concerts ? 'Concert tickets' : ' '));
  return (
    <>
      <TopBar>
        {userId !== null ? (
          <span>
            Fan #{userId} ·{' '}
            <button type="button" class="link-btn" style="color:#c9c6e0" onClick={signOut}>
              Sign out
            </button>
          </span>
        ) : null}
      </TopBar>
      <Hero
        kicker={phase.kind === 'shopping' ? 'Choose your seats' : 'Tickets'}
        title={title}
        sub={heroLine(phase)}
      />
      <main class="page">
        <Notice notice={notice} onClose={() => setNotice(null)} />
        {renderPhase()}
      </main>
      <footer class="footer">
        Seats are held for you for a few minutes once you pick them. Prices in KRW.
      </footer>
    </>
  );

  function renderPhase() {
    switch (phase.kind) {
      case 'pick-concert':
        return <ConcertList concerts={concerts} />;
      case 'sign-in':
        return <SignIn api={api} onSignedIn={signedIn} onError={(err) => say('error', describeError(err))} />;
      case 'joining':
        return (
          <div class="card waiting" aria-busy="true">
            <div class="waiting-label">Getting your place in line</div>
            <div class="skeleton" style="max-width:220px;margin:22px auto 0;height:64px" />
          </div>
        );
      case 'not-open':
        return (
          <div class="card waiting">
            <h2>Not on sale just now</h2>
            <p class="muted">
              Keep this page open: it checks again every few seconds and lets you in as soon as it can.
            </p>
            <button type="button" class="btn" onClick={() => void join()}>
              Try again now
            </button>
          </div>
        );
      case 'waiting':
        return <Waiting status={phase.status} onLeave={() => void leave()} />;
      case 'shopping':
        return (
          <Shop
            api={api}
            concertId={concertId!}
            userId={userId!}
            userToken={userToken!}
            queueToken={phase.queueToken}
            sessionExpiresAt={phase.expiresAt}
            say={say}
            onPaid={(receipt) => {
              setNotice(null);
              setPhase({ kind: 'confirmed', receipt });
            }}
            onSessionOver={() => {
              say(
                'warn',
                'Your time to choose seats is over. Seats you held but did not pay for go back on sale.',
              );
              setPhase({ kind: 'ended', reason: 'session-over' });
            }}
          />
        );
      case 'confirmed':
        return <Confirmation receipt={phase.receipt} concertName={concertName ?? 'Your concert'} />;
      case 'ended':
        return (
          <div class="card waiting" data-testid="ended">
            <h2>
              {phase.reason === 'left'
                ? 'You left the line'
                : phase.reason === 'session-over'
                  ? 'Your time to choose is over'
                  : 'Your place in line has ended'}
            </h2>
            <p class="muted">
              {phase.reason === 'expired'
                ? 'This happens when the sale closes, or when this page stopped checking in for a while.'
                : 'You can join the line again; you will start at the back.'}
            </p>
            <button
              type="button"
              class="btn"
              data-testid="rejoin"
              onClick={() => setPhase({ kind: 'joining' })}
            >
              Join the line again
            </button>
          </div>
        );
    }
  }
}

function heroLine(phase: Phase): string | undefined {
  switch (phase.kind) {
    case 'waiting':
      return phase.status.soldOut
        ? 'Every seat is taken right now. Seats held by others come back if they are not paid for.'
        : 'You are in line. Keep this page open: you move up automatically.';
    case 'shopping':
      return 'Tap a seat to hold it. Held seats are yours for a few minutes while you pay.';
    case 'confirmed':
      return 'You are going! Your tickets are confirmed.';
    case 'sign-in':
      return 'Sign in to join the line for tickets.';
    default:
      return undefined;
  }
}

function ConcertList({ concerts }: { concerts: Concert[] | null }) {
  return (
    <div class="card">
      <h2>Pick a concert</h2>
      {concerts === null ? (
        <div class="skeleton" style="margin-top:18px" />
      ) : concerts.length === 0 ? (
        <p class="muted">No concerts are on sale right now.</p>
      ) : (
        <div class="concerts">
          {concerts.map((c) => (
            <a class="concert-link" href={`/?concert=${c.concertId}`} key={c.concertId}>
              {c.name}
            </a>
          ))}
        </div>
      )}
    </div>
  );
}

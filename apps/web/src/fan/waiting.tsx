import { formatWait } from '../shared/format.ts';
import type { WaitingStatus } from './app.tsx';

export function Waiting({ status, onLeave }: { status: WaitingStatus; onLeave: () => void }) {
  const isNext = status.position === 1;
  return (
    <div class="card waiting" data-testid="waiting">
      {isNext ? <div class="next-badge">You are next!</div> : null}
      <div class="waiting-label">Your place in line</div>
      <div class="position" data-testid="position" aria-live="polite">
        {status.position}
      </div>
      <div class="eta">
        Estimated wait: <span data-testid="eta">{formatWait(status.estimatedWaitSeconds)}</span>
      </div>
      {status.soldOut ? (
        <p class="notice notice-warn" style="margin:18px auto 0;max-width:460px" data-testid="sold-out">
          Every seat is taken right now. Seats held by others go back on sale if they are not paid for, so you
          may still get one.
        </p>
      ) : null}
      <div class="pulse">Live: your place updates by itself</div>
      <ul class="waiting-tips">
        <li>Keep this page open. Leaving it for long gives up your place.</li>
        <li>When it is your turn, you get a few minutes to choose seats.</li>
        <li>Everyone who joined before you is ahead of you; nobody can skip the line.</li>
      </ul>
      <p style="margin-top:22px">
        <button type="button" class="link-btn" data-testid="leave" onClick={onLeave}>
          Leave the line
        </button>
      </p>
    </div>
  );
}

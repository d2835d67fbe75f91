// log-update (sindresorhus, ~130 M downloads a week) redraws one block of the terminal in place and
// nothing more: a one-line status needs no bar, no layout and no multi-bar model, which is what
// cli-progress would bring.
import { createLogUpdate } from 'log-update';

/** What the run looks like now: the gateway's counts from its admin stats, the rest from the sim's users. */
export interface Progress {
  elapsedSeconds: number;
  users: number;
  joined: number;
  /** The room's WAITING and ACTIVE counts at the last admin stats read; undefined before the first. */
  waiting: number | undefined;
  active: number | undefined;
  /** Users who have seen ACTIVE. */
  admitted: number;
  sold: number;
  /** Users stopped by an error: a refused join or a failed step of the purchase. */
  errors: number;
  /** Responses with a 5xx status, over every endpoint. */
  serverErrors: number;
}

const n = (x: number | undefined) => (x === undefined ? '-' : x.toLocaleString('en-US'));

/** The one status line: `  42s  joined 1,200/2,000  waiting 830  active 100  admitted 370  sold 64  errors 0`. */
export function formatProgress(p: Progress): string {
  const fiveXx = p.serverErrors > 0 ? `  5xx ${n(p.serverErrors)}` : '';
  return [
    `${String(Math.floor(p.elapsedSeconds)).padStart(4)}s`,
    `joined ${n(p.joined)}/${n(p.users)}`,
    `waiting ${n(p.waiting)}`,
    `active ${n(p.active)}`,
    `admitted ${n(p.admitted)}`,
    `sold ${n(p.sold)}`,
    `errors ${n(p.errors)}${fiveXx}`,
  ].join('  ');
}

export interface ProgressView {
  update(p: Progress): void;
  /** Leaves the last line on screen (TTY) and stops drawing. */
  done(): void;
}

/**
 * On a sized terminal, the line is redrawn in place at most every `ttyEveryMs`. Anywhere else (CI, a pipe,
 * a file), a plain line is printed every `plainEveryMs` (10 s), so that a log shows the run moving
 * without one line per sample. `quiet` prints nothing.
 */
export function createProgressView(
  stream: NodeJS.WriteStream,
  opts: { quiet?: boolean; ttyEveryMs?: number; plainEveryMs?: number } = {},
): ProgressView {
  if (opts.quiet) return { update() {}, done() {} };
  // A terminal of no size (a pty nobody sized: `script` without a terminal, `docker -t` in CI) would
  // show log-update's output cut to 0 rows, that is nothing: it gets the plain lines instead.
  const tty = stream.isTTY === true && stream.columns > 0 && stream.rows > 0;
  const everyMs = tty ? (opts.ttyEveryMs ?? 200) : (opts.plainEveryMs ?? 10_000);
  const draw = tty ? createLogUpdate(stream) : undefined;
  let last = Number.NEGATIVE_INFINITY;
  let latest: Progress | undefined;
  return {
    update(p) {
      latest = p;
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      if (draw) draw(formatProgress(p));
      else stream.write(`onsale: ${formatProgress(p).trim()}\n`);
    },
    done() {
      if (!draw) return;
      if (latest) draw(formatProgress(latest));
      draw.done();
    },
  };
}

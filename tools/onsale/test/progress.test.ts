import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressView, formatProgress, type Progress } from '../src/progress.ts';

const at = (over: Partial<Progress> = {}): Progress => ({
  elapsedSeconds: 42.7,
  users: 20_000,
  joined: 12_345,
  waiting: 8_300,
  active: 100,
  admitted: 3_945,
  sold: 64,
  errors: 2,
  serverErrors: 0,
  ...over,
});

/** A real stream that keeps what is written to it; not a terminal, as in CI or a pipe. */
function pipe() {
  const stream = new PassThrough() as PassThrough & NodeJS.WriteStream;
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe('formatProgress', () => {
  it('puts every count of the run on one line, in order, with thousands separated', () => {
    expect(formatProgress(at())).toBe(
      '  42s  joined 12,345/20,000  waiting 8,300  active 100  admitted 3,945  sold 64  errors 2',
    );
  });

  it('shows a dash for the room before its first read, and 5xx only when there are some', () => {
    const line = formatProgress(at({ waiting: undefined, active: undefined, serverErrors: 3 }));
    expect(line).toContain('waiting -  active -');
    expect(line).toMatch(/errors 2 {2}5xx 3$/);
    expect(line).not.toContain('\n');
  });
});

describe('createProgressView', () => {
  it('prints a plain line, at most one per interval, when the stream is not a terminal', () => {
    const out = pipe();
    const view = createProgressView(out.stream, { plainEveryMs: 60_000 });
    view.update(at({ elapsedSeconds: 1 }));
    view.update(at({ elapsedSeconds: 2 }));
    view.done();
    expect(out.text()).toBe(`onsale: ${formatProgress(at({ elapsedSeconds: 1 })).trim()}\n`);
  });

  it('redraws the one line in place on a terminal', () => {
    const out = pipe();
    Object.assign(out.stream, { isTTY: true, columns: 120, rows: 40 });
    const view = createProgressView(out.stream, { ttyEveryMs: 0 });
    view.update(at({ sold: 1 }));
    view.update(at({ sold: 2 }));
    view.done();
    const text = out.text();
    expect(text).toContain(formatProgress(at({ sold: 1 })));
    expect(text).toContain(formatProgress(at({ sold: 2 })));
    // The second draw erases the first line (ESC[2K, erase line) instead of printing below it.
    expect(text.split(formatProgress(at({ sold: 1 })))[1]).toContain('\u001B[2K');
  });

  it('prints plain lines on a terminal of no size, where a redraw would show nothing', () => {
    const out = pipe();
    Object.assign(out.stream, { isTTY: true, columns: 0, rows: 0 });
    const view = createProgressView(out.stream, { ttyEveryMs: 0, plainEveryMs: 0 });
    view.update(at({ sold: 1 }));
    view.done();
    expect(out.text()).toBe(`onsale: ${formatProgress(at({ sold: 1 })).trim()}\n`);
  });

  it('prints nothing when quiet', () => {
    const out = pipe();
    const view = createProgressView(out.stream, { quiet: true, plainEveryMs: 0 });
    view.update(at());
    view.done();
    expect(out.text()).toBe('');
  });
});

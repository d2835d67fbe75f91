// The README is the only manual users read before a run: every variable the scenarios read must be in it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(packageDir, path), 'utf8');

describe('README.md', () => {
  it('documents every -e variable that lib/config.ts reads', () => {
    const names = new Set(
      [...read('lib/config.ts').matchAll(/\br\.[a-zA-Z]+\('([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] ?? ''),
    );
    // Guards the pattern itself: an empty set would make the next assertion pass on anything.
    expect(names.size).toBeGreaterThan(40);
    const readme = read('README.md');
    expect([...names].filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it('covers each scenario, the rate limit and the result exports', () => {
    const readme = read('README.md');
    for (const text of [
      'queue.ts',
      'booking.ts',
      'spike.ts',
      'RATE_LIMIT_MAX=0',
      '--summary-export',
      '--out json',
    ]) {
      expect(readme).toContain(text);
    }
  });
});

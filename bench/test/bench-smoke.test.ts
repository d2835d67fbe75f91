import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPositiveFinite, runTinyBench, type TinyRun } from './run-tiny.ts';

const run = () => runTinyBench('gateway.ts', [], 55_000);
let outDir: string | undefined;

describe('bench:gateway --tiny', () => {
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('completes and reports every figure as a positive finite number', async () => {
    const result: TinyRun = await run();
    outDir = result.outDir;
    expect(result.code, result.stderr).toBe(0);

    const files = readdirSync(result.outDir).filter((f) => /^gateway-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(path.join(result.outDir, files[0]!), 'utf8'));

    const ids = report.figures.map((f: { id: string }) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'bare.rps',
        'bare.p50',
        'bare.p99',
        'join.rps',
        'join.p50',
        'join.p99',
        'poll.rps',
        'poll.p50',
        'poll.p99',
        'pollBig.rps',
        'pollBig.p99',
        'memory.withStream',
        'memory.streamTrimmed',
        'promoter.admissionsPerSecond',
        'redis.zadd.rps',
        'redis.zrank.rps',
      ]),
    );
    for (const f of report.figures) {
      expect(isPositiveFinite(f.value), `${f.id} = ${f.value}`).toBe(true);
      if (f.baseline) {
        expect(isPositiveFinite(f.baseline.value), `${f.id} baseline`).toBe(true);
        expect(isPositiveFinite(f.ratio), `${f.id} ratio`).toBe(true);
      }
      if (f.target) expect(typeof f.isMet, `${f.id} met/missed`).toBe('boolean');
    }
    // The table is printed for people; the keys of the run are gone from Redis.
    expect(result.stdout).toContain('| figure | value |');
    expect(result.stderr).toMatch(/cleaned up \d+ keys under bench:gateway:/);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const outDir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));

/** Runs the real CLI, as a user would, in its tiny mode; resolves with its exit code and output. */
function runTinyBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [tsxCli, path.join(benchDir, 'gateway.ts'), '--tiny', '--out-dir', outDir],
      {
        cwd: benchDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Bounded: a hung run fails the test instead of holding the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 55_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const isPositiveFinite = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;

describe('bench:gateway --tiny', () => {
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('completes and reports every figure as a positive finite number', async () => {
    const run = await runTinyBench();
    expect(run.code, run.stderr).toBe(0);

    const files = readdirSync(outDir).filter((f) => /^gateway-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(path.join(outDir, files[0]!), 'utf8'));

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
    expect(run.stdout).toContain('| figure | value |');
    expect(run.stderr).toMatch(/cleaned up \d+ keys under bench:gateway:/);
  });
});

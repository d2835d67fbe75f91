import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

export interface TinyRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Where the run wrote its JSON report. */
  outDir: string;
}

/**
 * Runs a bench's real CLI, as a user would, in its tiny mode, writing into a fresh temporary folder.
 * Bounded: a hung run is killed after `timeoutMs` and fails its test instead of holding the suite.
 */
export function runTinyBench(script: string, args: string[], timeoutMs: number): Promise<TinyRun> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), `bench-${path.parse(script).name}-smoke-`));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsxCli, path.join(benchDir, script), '--tiny', '--out-dir', outDir, ...args],
      { cwd: benchDir, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr, outDir });
      },
    );
  });
}

export const isPositiveFinite = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;

// k6 cannot run here (no binary): `pnpm typecheck` checks the scenarios with tsc against @types/k6
// (this package's tsconfig.json). This test proves that check can fail: tsc rejects a misuse of the k6 API.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tscBin = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');

function runTsc(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [tscBin, '-p', project, '--pretty', 'false'], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
  };
}

describe('k6 scenarios typecheck', () => {
  const scratchDirs: string[] = [];
  afterAll(() => {
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fails on a scenario that misuses the k6 API, and passes the same scenario written correctly', () => {
    // The scratch project sits next to the real one and extends it, so it resolves @types/k6 and the
    // lib/ modules exactly as the scenarios do. The correct twin proves the failure comes from the misuse,
    // not from the scratch setup.
    const dir = mkdtempSync(join(packageDir, '.tmp-typecheck-'));
    scratchDirs.push(dir);
    const scenario = (getCall: string): string =>
      [
        "import http from 'k6/http';",
        "import type { Options } from 'k6/options';",
        "import { serverErrors } from '../lib/metrics.ts';",
        "export const options: Options = { thresholds: { server_errors_5xx: ['count==0'] } };",
        'export default function (): void {',
        `  const res = ${getCall};`,
        '  serverErrors.add(res.status >= 500 ? 1 : 0);',
        '}',
        '',
      ].join('\n');
    writeFileSync(
      join(dir, 'good.ts'),
      scenario("http.get('http://localhost:3000/health/live', { tags: { name: 'live' } })"),
    );
    writeFileSync(join(dir, 'broken.ts'), scenario("http.get(3000, { tags: 'live', timeout: true })"));
    const project = (file: string): string => {
      const path = join(dir, `tsconfig.${file}.json`);
      writeFileSync(
        path,
        JSON.stringify({ extends: '../tsconfig.json', include: [`${file}.ts`, '../lib/**/*.ts'] }),
      );
      return path;
    };

    const good = runTsc(project('good'));
    expect(good.status, good.output).toBe(0);

    const broken = runTsc(project('broken'));
    expect(broken.status, broken.output).not.toBe(0);
    // The url argument: number is not assignable to string | HttpURL.
    expect(broken.output).toMatch(/broken\.ts\(6,\d+\): error TS2345/);
    expect(broken.output).not.toMatch(/Cannot find module|TS2307/);
  });
});

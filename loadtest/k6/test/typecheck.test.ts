// k6 cannot run here (no binary), so the scenarios are held to what can be proved without it: they
// typecheck against @types/k6, the typecheck would catch a misuse of the k6 API, and each scenario exports
// the `options.thresholds` and default function that make `k6 run` pass or fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tscBin = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
const SCENARIOS = ['queue.ts', 'booking.ts', 'spike.ts'];

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

  it('passes tsc -p loadtest/k6/tsconfig.json', () => {
    const { status, output } = runTsc(join(packageDir, 'tsconfig.json'));
    expect(output).toBe('');
    expect(status, output).toBe(0);
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

/** What a scenario file lacks for `k6 run` to judge it: an empty list when nothing is missing. */
function findScenarioProblems(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const problems: string[] = [];
  const isExported = (node: ts.Node): boolean =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const isDefault = (node: ts.Node): boolean =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  const unwrap = (node: ts.Expression): ts.Expression =>
    ts.isParenthesizedExpression(node) || ts.isSatisfiesExpression(node) || ts.isAsExpression(node)
      ? unwrap(node.expression)
      : node;
  const keyOf = (name: ts.PropertyName): string | undefined =>
    ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
  // The fixed text a threshold expression starts with: 'rate<=' of `rate<=${limit}`.
  const leadingText = (node: ts.Expression): string | undefined => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) return node.head.text;
    return undefined;
  };

  const hasDefaultFunction = file.statements.some(
    (s) =>
      (ts.isFunctionDeclaration(s) && isExported(s) && isDefault(s) && s.body !== undefined) ||
      (ts.isExportAssignment(s) &&
        !s.isExportEquals &&
        (ts.isFunctionExpression(unwrap(s.expression)) || ts.isArrowFunction(unwrap(s.expression)))),
  );
  if (!hasDefaultFunction) problems.push('no default exported function');

  let options: ts.ObjectLiteralExpression | undefined;
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || !isExported(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (
        ts.isIdentifier(declaration.name) &&
        declaration.name.text === 'options' &&
        declaration.initializer
      ) {
        const value = unwrap(declaration.initializer);
        if (ts.isObjectLiteralExpression(value)) options = value;
      }
    }
  }
  if (options === undefined) return [...problems, 'no `export const options = { … }`'];

  const thresholdsProp = options.properties.find(
    (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && keyOf(p.name) === 'thresholds',
  );
  const thresholds = thresholdsProp && unwrap(thresholdsProp.initializer);
  if (thresholds === undefined || !ts.isObjectLiteralExpression(thresholds)) {
    return [...problems, 'options has no `thresholds: { … }`'];
  }

  const expressions = new Map<string, string[]>();
  for (const p of thresholds.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const key = keyOf(p.name);
    const value = unwrap(p.initializer);
    if (key === undefined || !ts.isArrayLiteralExpression(value)) continue;
    expressions.set(
      key,
      value.elements.map((e) => leadingText(e) ?? ''),
    );
  }
  const has = (key: string, prefix: string): boolean =>
    (expressions.get(key) ?? []).some((text) => text.startsWith(prefix));

  if (!has('server_errors_5xx', 'count==0')) problems.push("thresholds lack server_errors_5xx: ['count==0']");
  if (!has('errors', 'rate<') && !has('http_req_failed', 'rate<')) {
    problems.push('thresholds lack an error-rate limit (errors or http_req_failed: rate<…)');
  }
  const p99Keys = [...expressions.keys()].filter(
    (key) => /^http_req_duration\{name:[a-z_]+\}$/.test(key) && has(key, 'p(99)<'),
  );
  if (p99Keys.length === 0)
    problems.push('thresholds lack a per-endpoint http_req_duration{name:…} p(99) limit');
  return problems;
}

describe('scenario files', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario} exports a default function and options.thresholds that can fail the run`, () => {
      const source = readFileSync(join(packageDir, scenario), 'utf8');
      expect(findScenarioProblems(scenario, source)).toEqual([]);
    });
  }

  it('queue.ts and spike.ts limit join, poll and leave; booking.ts limits every step', () => {
    const endpoints = (scenario: string): string[] =>
      [...readFileSync(join(packageDir, scenario), 'utf8').matchAll(/'http_req_duration\{name:([a-z_]+)\}'/g)]
        .map((m) => m[1] ?? '')
        .sort();
    expect(endpoints('queue.ts')).toEqual(['join', 'leave', 'poll']);
    expect(endpoints('spike.ts')).toEqual(['join', 'leave', 'poll']);
    expect(endpoints('booking.ts')).toEqual(
      ['charge', 'hold', 'join', 'leave', 'pay', 'poll', 'reservation', 'schedules', 'seats'].sort(),
    );
  });

  it('the shape check rejects a scenario without thresholds, a 5xx limit, or a default function', () => {
    const complete = [
      "export const options = { thresholds: { errors: ['rate<=0.01'], server_errors_5xx: ['count==0'],",
      `  'http_req_duration{name:join}': [\`p(99)<\${500}\`] } };`,
      'export default function () {}',
    ].join('\n');
    expect(findScenarioProblems('complete.ts', complete)).toEqual([]);

    expect(findScenarioProblems('a.ts', 'export const options = {};\nexport default function () {}')).toEqual(
      ['options has no `thresholds: { … }`'],
    );
    expect(findScenarioProblems('b.ts', complete.replace("'count==0'", "'count<10'"))).toEqual([
      "thresholds lack server_errors_5xx: ['count==0']",
    ]);
    expect(
      findScenarioProblems('c.ts', complete.replace('export default function () {}', 'function run() {}')),
    ).toEqual(['no default exported function']);
    expect(findScenarioProblems('d.ts', complete.replace("errors: ['rate<=0.01'], ", ''))).toEqual([
      'thresholds lack an error-rate limit (errors or http_req_failed: rate<…)',
    ]);
    expect(findScenarioProblems('e.ts', complete.replace('p(99)<', 'p(95)<'))).toEqual([
      'thresholds lack a per-endpoint http_req_duration{name:…} p(99) limit',
    ]);
    expect(findScenarioProblems('f.ts', 'export default function () {}')).toEqual([
      'no `export const options = { … }`',
    ]);
  });
});

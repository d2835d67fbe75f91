import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocumentedApps } from '../scripts/documents.ts';

const deploy = (path: string) => fileURLToPath(new URL(`../../../deploy/${path}`, import.meta.url));

/**
 * The monitoring that `docker compose up` brings (deploy/): the Grafana dashboard only asks for series
 * the services really serve at /metrics, and Prometheus scrapes both services. Docker does not run
 * here, so this is what can be checked without it.
 */
let apps: Awaited<ReturnType<typeof buildDocumentedApps>>;
let exposed: Set<string>;
beforeAll(async () => {
  apps = await buildDocumentedApps();
  exposed = new Set();
  for (const app of [apps.gateway, apps.booking]) {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
      exposed.add(m[1]!);
      if (m[2] === 'histogram')
        for (const part of ['_bucket', '_count', '_sum']) exposed.add(`${m[1]}${part}`);
    }
  }
});
afterAll(() => apps?.close());

describe('deploy/', () => {
  it('serves every series the contract names', () => {
    for (const name of [
      'http_request_duration_seconds_bucket',
      'queue_waiting',
      'queue_active',
      'queue_admitted_total',
      'booking_holds_total',
      'booking_payments_total',
      'booking_hold_release_lateness_seconds_bucket',
    ]) {
      expect(exposed, name).toContain(name);
    }
  });

  it('has a Grafana dashboard whose every query names served series', async () => {
    const dashboard = JSON.parse(await readFile(deploy('grafana/dashboards/concert-platform.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) =>
      (p.targets ?? []).map((t) => t.expr),
    );
    expect(exprs.length).toBeGreaterThanOrEqual(9);
    const PROMQL = new Set([
      'by',
      'sum',
      'max',
      'rate',
      'histogram_quantile',
      'le',
      'job',
      'route',
      'concert',
      'outcome',
      'status_code',
    ]);
    for (const expr of exprs) {
      const names = [...expr.replace(/"[^"]*"/g, '').matchAll(/[a-z_]+(?=[{[\s)]|$)/g)].map((m) => m[0]);
      const series = names.filter((n) => !PROMQL.has(n) && n.includes('_'));
      expect(series.length, expr).toBeGreaterThan(0);
      for (const name of series) expect(exposed, `${name} in ${expr}`).toContain(name);
    }
  });

  it('has Prometheus scrape both services where compose runs them', async () => {
    const config = await readFile(deploy('prometheus/prometheus.yml'), 'utf8');
    const compose = await readFile(deploy('../docker-compose.yml'), 'utf8');
    expect(config).toContain('targets: ["queue-gateway:3000"]');
    expect(config).toContain('targets: ["booking-api:3001"]');
    expect(compose).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(compose).toContain('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});

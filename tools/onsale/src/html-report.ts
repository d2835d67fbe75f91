import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OnSaleReport } from './simulate.ts';

/**
 * Chart.js's UMD build, read from node_modules and inlined, so that the report is one file that opens
 * with no network (its package exports no path to it: it sits beside the CommonJS entry).
 */
function chartJsSource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.js'), 'utf8');
}

/** Text that is safe inside a <script> element: no `</script` can end it early. */
const scriptSafe = (text: string) => text.replaceAll('</script', '<\\/script');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Draws the charts from the embedded report; runs in the page (plain JS, Chart.js global). */
const DRAW = `
const r = JSON.parse(document.getElementById('report').textContent);
const s = r.series;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
const sec = { type: 'linear', title: { display: true, text: 'seconds since the first join' } };
const chart = (id, config) => new Chart(document.getElementById(id), config);
chart('room', {
  type: 'line',
  data: { datasets: [
    { label: 'waiting', data: s.timeline.map((p) => ({ x: p.t, y: p.waiting })), borderColor: '#2563eb', pointRadius: 0 },
    { label: 'active', data: s.timeline.map((p) => ({ x: p.t, y: p.active })), borderColor: '#ea580c', pointRadius: 0 },
  ] },
  options: { scales: { x: sec, y: { beginAtZero: true, title: { display: true, text: 'tokens' } } } },
});
chart('admissions', {
  type: 'bar',
  data: { labels: s.admissionsPerSecond.map((_, i) => i), datasets: [
    { label: 'admitted in that second', data: s.admissionsPerSecond, backgroundColor: '#16a34a' },
    { type: 'line', label: 'configured admitPerSecond', data: s.admissionsPerSecond.map(() => r.admissions.configuredPerSecond), borderColor: '#dc2626', borderDash: [6, 4], pointRadius: 0 },
  ] },
  options: { scales: { x: { title: sec.title }, y: { beginAtZero: true, title: { display: true, text: 'admissions' } } } },
});
const most = Math.max(1, ...s.waitPoints.map((p) => Math.max(p.estimate, p.real)));
chart('estimate', {
  type: 'scatter',
  data: { datasets: [
    { label: 'one admitted user' + (s.waitPointsStride > 1 ? ' (every ' + s.waitPointsStride + 'th)' : ''), data: s.waitPoints.map((p) => ({ x: p.real, y: p.estimate })), backgroundColor: 'rgba(124, 58, 237, 0.45)', pointRadius: 2 },
    { type: 'line', label: 'estimate = real', data: [{ x: 0, y: 0 }, { x: most, y: most }], borderColor: '#737373', borderDash: [4, 4], pointRadius: 0 },
  ] },
  options: { scales: {
    x: { type: 'linear', beginAtZero: true, title: { display: true, text: 'real wait, join to admission (s)' } },
    y: { beginAtZero: true, title: { display: true, text: 'estimate given at join (s)' } },
  } },
});
const endpoints = Object.keys(r.latency);
chart('latency', {
  type: 'bar',
  data: { labels: endpoints.map((e) => e + ' (' + r.latency[e].requests + ')'), datasets: [
    { label: 'p50 ms', data: endpoints.map((e) => r.latency[e].p50Ms), backgroundColor: '#0891b2' },
    { label: 'p99 ms', data: endpoints.map((e) => r.latency[e].p99Ms), backgroundColor: '#db2777' },
  ] },
  options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'ms (log scale)' } } } },
});
document.body.dataset.drawn = 'true';
`;

/** One HTML file, no network: Chart.js and the whole report (as JSON) inlined, four charts. */
export function renderHtmlReport(report: OnSaleReport): string {
  const title = `On-sale: concert ${report.concertId}, ${report.options.users} users, ${report.wallSeconds}s`;
  const figures = [
    `${report.sales.seatsSold} of ${report.sales.seatsAvailable} seats sold`,
    `double bookings ${report.sales.doubleBookings}`,
    `overtakes ${report.fairness.overtakes}`,
    `5xx ${report.serverErrors}`,
    `admitted ${report.admissions.observedPerSecond}/s of ${report.admissions.configuredPerSecond}/s`,
    `max ACTIVE ${report.admissions.maxActiveSeen} of ${report.admissions.maxActiveConfigured}`,
    `estimate |error| p90 ${report.estimate.p90AbsErrorPercent}%`,
  ];
  const panel = (id: string, heading: string) =>
    `<section><h2>${heading}</h2><div class="plot"><canvas id="${id}"></canvas></div></section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #171717; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(32rem, 1fr)); gap: 1.5rem; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
  .plot { position: relative; height: 20rem; }
  ul { padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .4rem 1.5rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}${report.timedOut ? ' (hit --max-seconds)' : ''}</h1>
<ul>${figures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>
<main>
${panel('room', 'Waiting and active over time (admin stats)')}
${panel('admissions', 'Admissions per second')}
${panel('estimate', 'Estimated against real wait, per user')}
${panel('latency', 'Latency per endpoint, p50 and p99 (requests)')}
</main>
<script type="application/json" id="report">${scriptSafe(JSON.stringify(report).replaceAll('<', '\\u003c'))}</script>
<script>${scriptSafe(chartJsSource())}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}

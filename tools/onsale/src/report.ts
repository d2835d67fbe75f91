import type { OnSaleReport } from './simulate.ts';

/** The report as a reader wants it: the invariants first, loudly when broken. */
export function formatReport(r: OnSaleReport): string {
  const lines: string[] = [];
  const flag = (ok: boolean) => (ok ? 'ok' : '!! BROKEN');
  lines.push(
    `On-sale simulation: concert ${r.concertId}, ${r.options.users} users, ${r.wallSeconds}s${r.timedOut ? ' (hit --max-seconds)' : ''}`,
  );
  lines.push('');
  lines.push(
    `Sales          ${r.sales.seatsSold} sold of ${r.sales.seatsAvailable} seats; unpaid holds left ${r.sales.unpaidHoldsLeft}`,
  );
  lines.push(
    `               double bookings (MySQL): ${r.sales.doubleBookings}  ${flag(r.sales.doubleBookings === 0)}`,
  );
  lines.push(
    `Fairness       overtakes: ${r.fairness.overtakes}  ${flag(r.fairness.overtakes === 0)}; largest forward jump ${r.fairness.maxPositionJump}, largest backward move ${r.fairness.maxBackwardMove}  ${flag(r.fairness.maxBackwardMove === 0)}`,
  );
  lines.push(
    `Estimate       ${r.estimate.admittedUsers} admitted: |error| median ${r.estimate.medianAbsErrorSeconds}s / ${r.estimate.medianAbsErrorPercent}%, p90 ${r.estimate.p90AbsErrorSeconds}s / ${r.estimate.p90AbsErrorPercent}%`,
  );
  const w = r.estimate.whileWaiting;
  const band = (name: string, f: typeof w.overall) =>
    `               ${name.padEnd(9)} ${String(f.estimates).padStart(8)} estimates: |error| p50 ${f.p50Percent}%, p90 ${f.p90Percent}% (${f.p50Seconds}s / ${f.p90Seconds}s; whole-second floor ${f.wholeSecondsP90Percent}%); signed p50 ${f.drivers.signedP50Percent}%, left ahead p50 ${f.drivers.leftAheadP50}, drained ${f.drivers.drainPerSecondP50}/s, admitted ${f.drivers.admittedPerSecondP50}/s`;
  lines.push('               every estimate while WAITING, by actual wait:');
  lines.push(band('overall', w.overall));
  lines.push(band('< 10 s', w.bands.under10s));
  lines.push(band('10-60 s', w.bands['10to60s']));
  lines.push(band('> 60 s', w.bands.over60s));
  lines.push(
    `               admission → first ACTIVE poll: p50 ${w.firstActivePollGap.p50Seconds}s, p90 ${w.firstActivePollGap.p90Seconds}s, max ${w.firstActivePollGap.maxSeconds}s`,
  );
  lines.push(
    `Admissions     ${r.admissions.observedPerSecond}/s observed vs ${r.admissions.configuredPerSecond}/s configured; most in any 1 s: ${r.admissions.maxInAnyOneSecond}`,
  );
  lines.push(
    `               max ACTIVE seen ${r.admissions.maxActiveSeen} of ${r.admissions.maxActiveConfigured}  ${flag(r.admissions.maxActiveSeen <= r.admissions.maxActiveConfigured)}`,
  );
  lines.push(
    `Holds          ${r.holds.released} of ${r.holds.abandoned} abandoned holds released; late after expiresAt p50 ${r.holds.lateSecondsP50}s, p99 ${r.holds.lateSecondsP99}s, max ${r.holds.lateSecondsMax}s (±${r.holds.resolutionSeconds}s)`,
  );
  lines.push(
    `Outcomes       ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push('');
  lines.push('Latency        endpoint        requests    p50 ms    p99 ms  errors');
  for (const [name, e] of Object.entries(r.latency)) {
    const errors = Object.entries(e.errorsByCode)
      .map(([c, n]) => `${c}×${n}`)
      .join(' ');
    lines.push(
      `               ${name.padEnd(14)} ${String(e.requests).padStart(9)} ${String(e.p50Ms).padStart(9)} ${String(e.p99Ms).padStart(9)}  ${errors}`,
    );
  }
  if (r.serverErrors > 0)
    lines.push(`\n!!!! ${r.serverErrors} RESPONSES WERE 5xx — see errorsByCode above !!!!`);
  lines.push('');
  lines.push(
    `Load generator ${r.loadGenerator.cpuSeconds}s CPU = ${r.loadGenerator.cpuPercentOfOneCore}% of one core over the run; joins sent late against their arrival p50 ${r.loadGenerator.joinStartLagMsP50} ms, p99 ${r.loadGenerator.joinStartLagMsP99} ms, max ${r.loadGenerator.joinStartLagMsMax} ms`,
  );
  return lines.join('\n');
}

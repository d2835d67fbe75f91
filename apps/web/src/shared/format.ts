const won = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'KRW', maximumFractionDigits: 0 });

/** Money of the smallest unit (KRW has none below the won): ₩120,000. */
export const formatMoney = (amount: number) => won.format(amount);

const day = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A play date (`YYYY-MM-DD`): Fri 15 Jan 2027. */
export const formatPlayDate = (playDate: string) =>
  day.format(new Date(`${playDate}T00:00:00Z`)).replace(',', '');

/** A countdown: 4:07, or 1:02:03 past an hour. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** A wait estimate in plain words: "less than a minute", "about 4 minutes", "about 2 hours". */
export function formatWait(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'about 1 minute' : `about ${minutes} minutes`;
  const hours = Math.round(minutes / 6) / 10;
  return hours === 1 ? 'about 1 hour' : `about ${hours} hours`;
}

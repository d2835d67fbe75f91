// pnpm onsale --users 20000 --join-seconds 10 --abandon 0.1
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DATES_MAX, SEATS_PER_DATE_MAX } from './fixtures.ts';
import { renderHtmlReport } from './html-report.ts';
import { createProgressView } from './progress.ts';
import { formatReport } from './report.ts';
import { DEFAULT_OPTIONS, runOnSale } from './simulate.ts';

const HELP = `pnpm onsale [options]
  --gateway URL            queue-gateway (${DEFAULT_OPTIONS.gatewayUrl})
  --booking URL            booking-api (${DEFAULT_OPTIONS.bookingUrl})
  --admin-key KEY          X-Admin-Key (env ADMIN_API_KEY, else dev-admin-key)
  --database-url URL       MySQL, read for the audit at the end (env DATABASE_URL)
  --auth-jwt-secret S      HS256 secret the user tokens are signed with (env AUTH_JWT_SECRET, else
                           scripts/start.sh's development secret)
  --auth-issuer ISS        iss of the user tokens (env AUTH_ISSUER)
  --auth-audience AUD      aud of the user tokens (env AUTH_AUDIENCE)
  --concert ID             use this concert instead of creating a fresh one
  --dates N                dates of the fresh concert (${DEFAULT_OPTIONS.concert.dates})
  --seats N                seats per date of the fresh concert (${DEFAULT_OPTIONS.concert.seatsPerDate})
  --users N                simulated users (${DEFAULT_OPTIONS.users})
  --user-offset N          first user id (${DEFAULT_OPTIONS.userOffset})
  --join-seconds S         arrivals spread over S seconds (${DEFAULT_OPTIONS.joinSeconds})
  --abandon P              share who stop polling while waiting (${DEFAULT_OPTIONS.abandonWaiting})
  --abandon-hold P         share who hold and never pay (${DEFAULT_OPTIONS.abandonHold})
  --max-active N           room maxActive (${DEFAULT_OPTIONS.room.maxActive})
  --admit-per-second N     room admitPerSecond (${DEFAULT_OPTIONS.room.admitPerSecond})
  --active-ttl S           room activeTtlSeconds (${DEFAULT_OPTIONS.room.activeTtlSeconds})
  --idle-timeout S         room idleTimeoutSeconds (${DEFAULT_OPTIONS.room.idleTimeoutSeconds})
  --hold-watch S           how long to watch abandoned holds after expiry (${DEFAULT_OPTIONS.holdWatchSeconds})
  --max-seconds S          hard stop for the whole run (${DEFAULT_OPTIONS.maxSeconds})
  --connections N          HTTP connections per origin (${DEFAULT_OPTIONS.connections})
  --seed N                 random seed (${DEFAULT_OPTIONS.seed})
  --out FILE               JSON report (onsale-results/onsale-<time>.json); its charts beside it, as .html
  --quiet                  no progress line (on a terminal it redraws in place; elsewhere one line every 10 s)`;

const { values } = parseArgs({
  options: {
    gateway: { type: 'string' },
    booking: { type: 'string' },
    'admin-key': { type: 'string' },
    'database-url': { type: 'string' },
    'auth-jwt-secret': { type: 'string' },
    'auth-issuer': { type: 'string' },
    'auth-audience': { type: 'string' },
    concert: { type: 'string' },
    dates: { type: 'string' },
    seats: { type: 'string' },
    users: { type: 'string' },
    'user-offset': { type: 'string' },
    'join-seconds': { type: 'string' },
    abandon: { type: 'string' },
    'abandon-hold': { type: 'string' },
    'max-active': { type: 'string' },
    'admit-per-second': { type: 'string' },
    'active-ttl': { type: 'string' },
    'idle-timeout': { type: 'string' },
    'hold-watch': { type: 'string' },
    'max-seconds': { type: 'string' },
    connections: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function num(
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`onsale: --${name} must be a number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = num(name, raw, fallback, min, max);
  if (!Number.isInteger(n)) {
    console.error(`onsale: --${name} must be a whole number`);
    process.exit(2);
  }
  return n;
}

const d = DEFAULT_OPTIONS;
const progress = createProgressView(process.stdout, { quiet: values.quiet ?? false });
const report = await runOnSale({
  gatewayUrl: values.gateway ?? d.gatewayUrl,
  bookingUrl: values.booking ?? d.bookingUrl,
  adminKey: values['admin-key'] ?? d.adminKey,
  databaseUrl: values['database-url'] ?? d.databaseUrl,
  authJwtSecret: values['auth-jwt-secret'] ?? d.authJwtSecret,
  authIssuer: values['auth-issuer'] ?? d.authIssuer,
  authAudience: values['auth-audience'] ?? d.authAudience,
  concertId: values.concert === undefined ? undefined : num('concert', values.concert, 0, 1, 2_147_483_647),
  concert: {
    dates: int('dates', values.dates, d.concert.dates, 1, DATES_MAX),
    seatsPerDate: int('seats', values.seats, d.concert.seatsPerDate, 1, SEATS_PER_DATE_MAX),
  },
  users: num('users', values.users, d.users, 1, 1_000_000),
  userOffset: num('user-offset', values['user-offset'], d.userOffset, 1, 2_000_000_000),
  joinSeconds: num('join-seconds', values['join-seconds'], d.joinSeconds, 0, 3600),
  abandonWaiting: num('abandon', values.abandon, d.abandonWaiting, 0, 1),
  abandonHold: num('abandon-hold', values['abandon-hold'], d.abandonHold, 0, 1),
  room: {
    maxActive: num('max-active', values['max-active'], d.room.maxActive, 1),
    admitPerSecond: num('admit-per-second', values['admit-per-second'], d.room.admitPerSecond, 1),
    activeTtlSeconds: num('active-ttl', values['active-ttl'], d.room.activeTtlSeconds, 1),
    idleTimeoutSeconds: num('idle-timeout', values['idle-timeout'], d.room.idleTimeoutSeconds, 1),
  },
  holdWatchSeconds: num('hold-watch', values['hold-watch'], d.holdWatchSeconds, 0, 3600),
  maxSeconds: num('max-seconds', values['max-seconds'], d.maxSeconds, 1, 86_400),
  connections: num('connections', values.connections, d.connections, 1, 10_000),
  seed: num('seed', values.seed, d.seed),
  log: (line) => console.log(line),
  progress: (p) => progress.update(p),
});
progress.done();

console.log(`\n${formatReport(report)}`);
const out = values.out ?? `onsale-results/onsale-${new Date().toISOString().replaceAll(':', '-')}.json`;
mkdirSync(out.includes('/') ? out.slice(0, out.lastIndexOf('/')) : '.', { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
const html = `${out.replace(/\.json$/, '')}.html`;
writeFileSync(html, renderHtmlReport(report));
console.log(`report written to ${out}, charts to ${html}`);
process.exit(
  report.serverErrors > 0 || report.sales.doubleBookings > 0 || report.fairness.overtakes > 0 ? 1 : 0,
);

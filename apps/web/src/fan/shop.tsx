import { bearer, type Schedule, type Seat, unwrap } from '@concert/client';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, codeOf, describeError } from '../shared/api.ts';
import { calibrateClock, msUntil } from '../shared/clock.ts';
import { formatCountdown, formatMoney, formatPlayDate } from '../shared/format.ts';
import { randomKey } from '../shared/fragment.ts';
import { useInterval, useNow } from '../shared/hooks.ts';
import type { Tone } from '../shared/layout.tsx';
import type { Receipt } from './confirmation.tsx';

/** Seat statuses change under a fan's eyes in an on-sale; this is how stale the map may get. */
const SEAT_REFRESH_MS = 4000;
/** An expired hold stays in the cart this long, marked, so the fan sees what happened. */
const EXPIRED_HOLD_SHOWN_MS = 30_000;

interface HoldItem {
  reservationId: number;
  scheduleId: number;
  seatId: number;
  seatNo: string;
  playDate: string;
  price: number;
  expiresAt: string;
  state: 'held' | 'expired';
  expiredAt?: number;
}

export interface ShopProps {
  api: Api;
  concertId: number;
  userId: number;
  userToken: string;
  queueToken: string;
  sessionExpiresAt: string;
  say: (tone: Tone, text: string) => void;
  onPaid: (receipt: Receipt) => void;
  onSessionOver: () => void;
}

export function Shop(props: ShopProps) {
  const { api, queueToken, say } = props;
  const [schedules, setSchedules] = useState<Schedule[] | null>(null);
  const [scheduleId, setScheduleId] = useState<number | null>(null);
  const [seats, setSeats] = useState<Seat[] | null>(null);
  const [holds, setHolds] = useState<HoldItem[]>([]);
  const [pendingSeatId, setPendingSeatId] = useState<number | null>(null);
  const [balance, setBalance] = useState<number | null>(null);
  const [isPaying, setIsPaying] = useState(false);
  const [isToppingUp, setIsToppingUp] = useState(false);
  const payKey = useRef<{ cart: string; key: string } | null>(null);
  const isOver = useRef(false);
  useNow(1000);

  const sessionOver = useCallback(() => {
    if (isOver.current) return;
    isOver.current = true;
    props.onSessionOver();
  }, [props.onSessionOver]);

  /** A refusal: the session's end changes the page, anything else is said in words. */
  const fail = useCallback(
    (err: unknown, context: { seat?: string } = {}) => {
      if (codeOf(err) === 'TOKEN_NOT_ACTIVE' || codeOf(err) === 'TOKEN_INVALID') sessionOver();
      else if (codeOf(err) !== 'ABORTED') say('error', describeError(err, context));
    },
    [say, sessionOver],
  );

  useEffect(() => {
    api.booking
      .GET('/v1/concerts/{concertId}/schedules', {
        headers: bearer(queueToken),
        params: { path: { concertId: String(props.concertId) } },
      })
      .then(unwrap)
      .then((list) => {
        setSchedules(list);
        if (list.length === 1) setScheduleId(list[0]!.scheduleId);
      })
      .catch((err: unknown) => fail(err));
  }, [api, queueToken, props.concertId, fail]);

  const loadBalance = useCallback(async () => {
    try {
      const res = await api.booking.GET('/v1/users/{userId}/balance', {
        headers: bearer(props.userToken),
        params: { path: { userId: String(props.userId) } },
      });
      setBalance(unwrap(res).balance);
    } catch (err) {
      say('error', describeError(err));
    }
  }, [api, props.userToken, props.userId, say]);
  useEffect(() => void loadBalance(), [loadBalance]);

  const shownSchedule = useRef<number | null>(null);
  shownSchedule.current = scheduleId;
  const loadSeats = useCallback(async () => {
    if (scheduleId === null) return;
    try {
      const list = unwrap(
        await api.booking.GET('/v1/schedules/{scheduleId}/seats', {
          headers: bearer(queueToken),
          params: { path: { scheduleId: String(scheduleId) } },
        }),
      );
      // A slow answer for a date no longer on screen is dropped.
      if (shownSchedule.current === scheduleId) setSeats(list);
    } catch (err) {
      fail(err);
    }
  }, [api, queueToken, scheduleId, fail]);

  useEffect(() => setSeats(null), [scheduleId]);
  useInterval(() => void loadSeats(), SEAT_REFRESH_MS, scheduleId !== null);

  // Each second: the session's end, and holds that ran out while the page was open.
  useInterval(() => {
    if (msUntil(props.sessionExpiresAt) <= 0) return sessionOver();
    const due = holds.filter((h) => h.state === 'held' && msUntil(h.expiresAt) <= 0);
    const gone = holds.filter(
      (h) => h.state === 'expired' && Date.now() - (h.expiredAt ?? 0) > EXPIRED_HOLD_SHOWN_MS,
    );
    if (due.length === 0 && gone.length === 0) return;
    setHolds((list) =>
      list
        .filter((h) => !gone.includes(h))
        .map((h) => (due.includes(h) ? { ...h, state: 'expired' as const, expiredAt: Date.now() } : h)),
    );
    if (due.length > 0) {
      const names = due.map((h) => h.seatNo).join(', ');
      say(
        'warn',
        `Your hold on seat ${names} ran out before payment, so it went back on sale. Nothing was charged; pick a seat again if you like.`,
      );
      // The API releases a due hold at once; a second look covers a clock a moment apart.
      void loadSeats();
      setTimeout(() => void loadSeats(), 2000);
    }
  }, 1000);

  async function holdSeat(seat: Seat) {
    if (seat.status !== 'AVAILABLE' || pendingSeatId !== null || scheduleId === null) return;
    const schedule = schedules?.find((s) => s.scheduleId === scheduleId);
    setPendingSeatId(seat.seatId);
    try {
      const sentAt = Date.now();
      const res = await api.booking.POST('/v1/reservations', {
        headers: bearer(queueToken),
        body: { scheduleId, seatId: seat.seatId },
      });
      calibrateClock(res.response, sentAt);
      const hold = unwrap(res);
      setHolds((list) => [
        ...list,
        {
          reservationId: hold.reservationId,
          scheduleId,
          seatId: seat.seatId,
          seatNo: seat.seatNo,
          playDate: schedule?.playDate ?? '',
          price: hold.price,
          expiresAt: hold.expiresAt,
          state: 'held',
        },
      ]);
      setSeats((list) => list?.map((s) => (s.seatId === seat.seatId ? { ...s, status: 'HELD' } : s)) ?? list);
    } catch (err) {
      fail(err, { seat: seat.seatNo });
      if (codeOf(err) === 'SEAT_UNAVAILABLE') {
        // Show it taken at once, then the whole map as it is now.
        setSeats(
          (list) => list?.map((s) => (s.seatId === seat.seatId ? { ...s, status: 'HELD' } : s)) ?? list,
        );
        void loadSeats();
      }
    } finally {
      setPendingSeatId(null);
    }
  }

  const held = holds.filter((h) => h.state === 'held');
  const total = held.reduce((sum, h) => sum + h.price, 0);
  const shortBy = balance === null ? 0 : Math.max(0, total - balance);

  async function topUp() {
    setIsToppingUp(true);
    try {
      const res = unwrap(
        await api.booking.POST('/v1/users/{userId}/balance/charges', {
          headers: { ...bearer(props.userToken), 'idempotency-key': randomKey('topup') },
          params: { path: { userId: String(props.userId) } },
          body: { amount: shortBy },
        }),
      );
      setBalance(res.balance);
      say('success', `Added ${formatMoney(shortBy)} to your balance. You can pay now.`);
    } catch (err) {
      say('error', describeError(err));
    } finally {
      setIsToppingUp(false);
    }
  }

  async function pay() {
    const reservationIds = held.map((h) => h.reservationId);
    const cart = [...reservationIds].sort((a, b) => a - b).join(',');
    // The same order keeps its key: a retry after a lost answer is then answered, never charged twice.
    if (payKey.current?.cart !== cart) payKey.current = { cart, key: randomKey('pay') };
    setIsPaying(true);
    try {
      const payment = unwrap(
        await api.booking.POST('/v1/payments', {
          headers: { ...bearer(queueToken), 'idempotency-key': payKey.current.key },
          body: { reservationIds },
        }),
      );
      props.onPaid({
        paymentId: payment.paymentId,
        amount: payment.amount,
        balance: payment.balance,
        seats: held.map((h) => ({ seatNo: h.seatNo, playDate: h.playDate, price: h.price })),
      });
    } catch (err) {
      const code = codeOf(err);
      if (code === 'INSUFFICIENT_BALANCE') void loadBalance();
      if (code === 'RESERVATION_NOT_PAYABLE') await dropUnpayable();
      fail(err);
    } finally {
      setIsPaying(false);
    }
  }

  /** After a refused payment, finds the holds that are no longer payable and marks them. */
  async function dropUnpayable() {
    const states = await Promise.all(
      held.map(async (h) => {
        const res = await api.booking
          .GET('/v1/reservations/{reservationId}', {
            headers: bearer(queueToken),
            params: { path: { reservationId: String(h.reservationId) } },
          })
          .catch(() => null);
        return { id: h.reservationId, status: res?.data?.status };
      }),
    );
    const lapsed = new Set(states.filter((s) => s.status !== 'PROGRESS').map((s) => s.id));
    setHolds((list) =>
      list.map((h) => (lapsed.has(h.reservationId) ? { ...h, state: 'expired', expiredAt: Date.now() } : h)),
    );
    void loadSeats();
  }

  const sessionLeft = msUntil(props.sessionExpiresAt);
  return (
    <>
      <div class="session-bar" data-testid="session-timer">
        <span>Time left to choose and pay</span>
        <strong>{formatCountdown(sessionLeft)}</strong>
      </div>
      <div class="shop">
        <section class="card">
          <h2>Choose a date</h2>
          {schedules === null ? (
            <div class="skeleton" style="margin-top:16px" />
          ) : (
            <div class="dates">
              {schedules.map((s) => (
                <button
                  type="button"
                  class="date"
                  key={s.scheduleId}
                  data-testid="date"
                  data-schedule-id={s.scheduleId}
                  aria-pressed={s.scheduleId === scheduleId}
                  onClick={() => setScheduleId(s.scheduleId)}
                >
                  <div class="date-day">{formatPlayDate(s.playDate)}</div>
                  <div class="date-left">
                    {s.availableSeats === 0
                      ? 'Sold out'
                      : `${s.availableSeats} of ${s.totalSeats} seats left`}
                  </div>
                </button>
              ))}
            </div>
          )}
          {scheduleId === null ? (
            <p class="muted">Pick a date to see its seats.</p>
          ) : seats === null ? (
            <div class="skeleton" style="height:160px" />
          ) : (
            <SeatMap
              seats={seats}
              mine={new Set(held.filter((h) => h.scheduleId === scheduleId).map((h) => h.seatId))}
              pendingSeatId={pendingSeatId}
              onPick={(seat) => void holdSeat(seat)}
            />
          )}
        </section>
        <aside class="card cart" data-testid="cart">
          <h2>Your seats</h2>
          {holds.length === 0 ? (
            <p class="cart-empty">No seats yet. Tap an available seat to hold it.</p>
          ) : (
            <ul class="holds">
              {holds.map((h) => (
                <li
                  class="hold"
                  key={h.reservationId}
                  data-testid="hold"
                  data-status={h.state}
                  data-seat-id={h.seatId}
                >
                  <span class="hold-seat">Seat {h.seatNo}</span>
                  <span class="hold-price">{formatMoney(h.price)}</span>
                  <span class="hold-meta">{h.playDate ? formatPlayDate(h.playDate) : ''}</span>
                  <span class="hold-countdown" data-testid="hold-countdown">
                    {h.state === 'expired'
                      ? 'Expired · released'
                      : `Held · ${formatCountdown(msUntil(h.expiresAt))}`}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <div class="totals">
            <div class="grand">
              <span>Total</span>
              <span data-testid="total">{formatMoney(total)}</span>
            </div>
            <div class="muted">
              <span>Your balance</span>
              <span data-testid="balance">{balance === null ? '…' : formatMoney(balance)}</span>
            </div>
          </div>
          {held.length > 0 && shortBy > 0 ? (
            <div class="short">
              <span>Your balance is {formatMoney(shortBy)} short of the total.</span>
              <button
                type="button"
                class="btn btn-ghost btn-block"
                data-testid="top-up"
                disabled={isToppingUp}
                onClick={() => void topUp()}
              >
                {isToppingUp ? 'Topping up…' : `Top up ${formatMoney(shortBy)}`}
              </button>
            </div>
          ) : null}
          <div class="cart-actions">
            <button
              type="button"
              class="btn btn-block"
              data-testid="pay"
              disabled={held.length === 0 || shortBy > 0 || isPaying || balance === null}
              onClick={() => void pay()}
            >
              {isPaying ? 'Paying…' : held.length === 0 ? 'Pay' : `Pay ${formatMoney(total)}`}
            </button>
          </div>
        </aside>
      </div>
    </>
  );
}

/** `A12` → row `A`, number `12`; the catalog numbers a section's seats R1…Rn. */
function splitSeatNo(seatNo: string): { row: string; number: string } {
  const match = /^(.*?)(\d+)$/.exec(seatNo);
  return match ? { row: match[1] || '·', number: match[2]! } : { row: '·', number: seatNo };
}

function SeatMap(props: {
  seats: Seat[];
  mine: Set<number>;
  pendingSeatId: number | null;
  onPick: (seat: Seat) => void;
}) {
  const rows = new Map<string, Seat[]>();
  for (const seat of props.seats) {
    const { row } = splitSeatNo(seat.seatNo);
    rows.set(row, [...(rows.get(row) ?? []), seat]);
  }
  // One chip per price: "Rows A, B · ₩120,000".
  const rowsByPrice = new Map<number, string[]>();
  for (const [row, seats] of rows) {
    const price = Math.min(...seats.map((s) => s.price));
    rowsByPrice.set(price, [...(rowsByPrice.get(price) ?? []), row]);
  }
  return (
    <div data-testid="seat-map">
      <div class="stage">STAGE</div>
      <div class="seat-rows">
        {[...rows].map(([row, seats]) => (
          <div class="seat-row" key={row}>
            <div class="row-label">{row}</div>
            <div class="seats" style={`--per-line:${Math.min(10, seats.length)}`}>
              {seats.map((seat) => {
                const isMine = props.mine.has(seat.seatId);
                const label = `Seat ${seat.seatNo}, ${formatMoney(seat.price)}, ${
                  isMine
                    ? 'held by you'
                    : seat.status === 'AVAILABLE'
                      ? 'available'
                      : seat.status === 'HELD'
                        ? 'held'
                        : 'sold'
                }`;
                return (
                  <button
                    type="button"
                    key={seat.seatId}
                    class={`seat${isMine ? ' is-mine' : ''}${props.pendingSeatId === seat.seatId ? ' is-pending' : ''}`}
                    data-testid="seat"
                    data-seat-id={seat.seatId}
                    data-status={seat.status}
                    aria-label={label}
                    title={label}
                    aria-pressed={isMine}
                    disabled={seat.status !== 'AVAILABLE' && !isMine}
                    onClick={() => props.onPick(seat)}
                  >
                    {splitSeatNo(seat.seatNo).number}
                  </button>
                );
              })}
            </div>
          </div>
        ))}
      </div>
      <div class="legend">
        <span>
          <i /> Available
        </span>
        <span>
          <i class="l-mine" /> Yours
        </span>
        <span>
          <i class="l-held" /> Held
        </span>
        <span>
          <i class="l-sold" /> Sold
        </span>
      </div>
      <div class="prices">
        {[...rowsByPrice].map(([price, rowNames]) => (
          <span class="price-chip" key={price}>
            {rowNames.length > 1 ? 'Rows' : 'Row'} {rowNames.join(', ')} · {formatMoney(price)}
          </span>
        ))}
      </div>
    </div>
  );
}

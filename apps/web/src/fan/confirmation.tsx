import { formatMoney, formatPlayDate } from '../shared/format.ts';

export interface Receipt {
  paymentId: number;
  amount: number;
  balance: number;
  seats: { seatNo: string; playDate: string; price: number }[];
}

export function Confirmation({ receipt, concertName }: { receipt: Receipt; concertName: string }) {
  const dates = [...new Set(receipt.seats.map((s) => s.playDate))];
  return (
    <div class="card confirmation" data-testid="confirmation">
      <div class="confirmation-mark" aria-hidden="true">
        ✓
      </div>
      <h2>You are going to {concertName}!</h2>
      <p class="muted">Your payment went through and your seats are confirmed. Enjoy the show.</p>
      <dl class="ticket">
        <div>
          <dt>Booking reference</dt>
          <dd data-testid="booking-ref">#{receipt.paymentId}</dd>
        </div>
        <div>
          <dt>{dates.length > 1 ? 'Dates' : 'Date'}</dt>
          <dd>{dates.map(formatPlayDate).join(', ')}</dd>
        </div>
        <div>
          <dt>{receipt.seats.length > 1 ? 'Seats' : 'Seat'}</dt>
          <dd data-testid="confirmed-seats">{receipt.seats.map((s) => s.seatNo).join(', ')}</dd>
        </div>
        <div>
          <dt>Paid</dt>
          <dd>{formatMoney(receipt.amount)}</dd>
        </div>
        <div>
          <dt>Balance left</dt>
          <dd>{formatMoney(receipt.balance)}</dd>
        </div>
      </dl>
    </div>
  );
}

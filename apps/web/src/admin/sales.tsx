import type { Concert, ConcertSales } from '@concert/client';
import { formatMoney, formatPlayDate } from '../shared/format.ts';

export function SalesTable(props: {
  concerts: Concert[];
  sales: Map<number, ConcertSales>;
  openIds: Set<number>;
}) {
  return (
    <section class="card" data-testid="sales">
      <h2>Sales by date</h2>
      <div class="table-wrap">
        <table class="sales">
          <thead>
            <tr>
              <th>Concert</th>
              <th>Date</th>
              <th class="num">Seats</th>
              <th class="num">Sold</th>
              <th class="num">Held</th>
              <th class="num">Left</th>
              <th class="num">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {props.concerts.flatMap((c) => {
              const s = props.sales.get(c.concertId);
              if (!s) return [];
              return s.schedules.map((d, i) => (
                <tr key={d.scheduleId} data-testid="sales-row" data-schedule-id={d.scheduleId}>
                  <td>
                    {i === 0 ? (
                      <>
                        {c.name} {props.openIds.has(c.concertId) ? <span class="badge">on sale</span> : null}
                      </>
                    ) : null}
                  </td>
                  <td>{formatPlayDate(d.playDate)}</td>
                  <td class="num">{d.totalSeats}</td>
                  <td class="num" data-testid="sold">
                    {d.sold}
                  </td>
                  <td class="num">{d.held}</td>
                  <td class="num">{d.totalSeats - d.sold - d.held}</td>
                  <td class="num">{formatMoney(d.revenue)}</td>
                </tr>
              ));
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

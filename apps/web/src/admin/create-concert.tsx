import { adminKey, type CreateConcertBody, unwrap } from '@concert/client';
import { useState } from 'preact/hooks';
import type { Api } from '../shared/api.ts';

interface SectionRow {
  row: string;
  seats: number;
  price: number;
}

export interface CreatedConcert {
  concertId: number;
  name: string;
  schedules: { scheduleId: number; playDate: string; totalSeats: number }[];
}

const DEFAULT_SECTIONS: SectionRow[] = [
  { row: 'A', seats: 20, price: 120_000 },
  { row: 'B', seats: 30, price: 80_000 },
];

/** A concert with its dates and seats, through `POST /v1/admin/concerts`; every date gets the same sections. */
export function CreateConcert(props: {
  api: Api;
  adminKey: string;
  onCreated: (created: CreatedConcert) => void;
  onError: (err: unknown) => void;
}) {
  const [name, setName] = useState('');
  const [dates, setDates] = useState<string[]>(['']);
  const [sections, setSections] = useState<SectionRow[]>(DEFAULT_SECTIONS);
  const [isBusy, setIsBusy] = useState(false);
  const seatsPerDate = sections.reduce((n, s) => n + (s.seats || 0), 0);

  async function submit(e: Event) {
    e.preventDefault();
    const body: CreateConcertBody = {
      name: name.trim(),
      schedules: dates.filter(Boolean).map((playDate) => ({ playDate, sections })),
    };
    setIsBusy(true);
    try {
      const created = unwrap(
        await props.api.booking.POST('/v1/admin/concerts', { headers: adminKey(props.adminKey), body }),
      );
      props.onCreated(created);
      setName('');
      setDates(['']);
      setSections(DEFAULT_SECTIONS);
    } catch (err) {
      props.onError(err);
    } finally {
      setIsBusy(false);
    }
  }

  const setSection = (i: number, patch: Partial<SectionRow>) =>
    setSections((list) => list.map((s, j) => (j === i ? { ...s, ...patch } : s)));

  return (
    <form class="card" data-testid="create-concert" onSubmit={submit}>
      <h2>Create a concert</h2>
      <p class="muted small">
        Its dates and seats are made in one go. Row <b>A</b> with 20 seats makes seats A1 to A20 on every
        date.
      </p>
      <label class="field">
        Name
        <input
          value={name}
          required
          maxLength={200}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          data-testid="concert-name"
        />
      </label>
      <div class="field">
        Dates
        {dates.map((d, i) => (
          <div class="inline-form" key={i}>
            <input
              type="date"
              required
              value={d}
              onInput={(e) =>
                setDates((list) => list.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)))
              }
              data-testid="concert-date"
            />
            {dates.length > 1 ? (
              <button
                type="button"
                class="link-btn"
                onClick={() => setDates((list) => list.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            ) : null}
          </div>
        ))}
        <button
          type="button"
          class="link-btn"
          style="justify-self:start"
          onClick={() => setDates((list) => [...list, ''])}
        >
          + Add a date
        </button>
      </div>
      <div class="field">
        Sections (every date)
        <table class="sections">
          <thead>
            <tr>
              <th>Row</th>
              <th>Seats</th>
              <th>Price (₩)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sections.map((s, i) => (
              <tr key={i}>
                <td>
                  <input
                    value={s.row}
                    required
                    maxLength={8}
                    pattern="[A-Za-z0-9]+"
                    onInput={(e) => setSection(i, { row: (e.target as HTMLInputElement).value })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min={1}
                    max={1000}
                    required
                    value={s.seats}
                    onInput={(e) => setSection(i, { seats: Number((e.target as HTMLInputElement).value) })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    min={1}
                    required
                    value={s.price}
                    onInput={(e) => setSection(i, { price: Number((e.target as HTMLInputElement).value) })}
                  />
                </td>
                <td>
                  {sections.length > 1 ? (
                    <button
                      type="button"
                      class="link-btn"
                      onClick={() => setSections((list) => list.filter((_, j) => j !== i))}
                    >
                      ×
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          class="link-btn"
          style="justify-self:start"
          onClick={() =>
            setSections((list) => [
              ...list,
              { row: String.fromCharCode(65 + list.length), seats: 20, price: 50_000 },
            ])
          }
        >
          + Add a section
        </button>
      </div>
      <p class="muted small">
        {seatsPerDate} seats a date × {dates.filter(Boolean).length || 1} date(s)
      </p>
      <button type="submit" class="btn" disabled={isBusy} data-testid="create-concert-submit">
        {isBusy ? 'Creating…' : 'Create the concert'}
      </button>
    </form>
  );
}

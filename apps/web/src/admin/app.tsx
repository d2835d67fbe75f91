import {
  adminKey,
  type Concert,
  type ConcertSales,
  type RoomConfig,
  type RoomStats,
  unwrap,
} from '@concert/client';
import { useCallback, useMemo, useRef, useState } from 'preact/hooks';
import { codeOf, createApi, describeError } from '../shared/api.ts';
import { takeFragmentSecret } from '../shared/fragment.ts';
import { useInterval } from '../shared/hooks.ts';
import { makeNotice, Notice, type NoticeState, TopBar } from '../shared/layout.tsx';
import { CONFIG_FIELDS, readConfigForm } from './config-fields.ts';
import { CreateConcert } from './create-concert.tsx';
import { RoomCard } from './room-card.tsx';
import type { RoomHistory } from './room-chart.tsx';
import { SalesTable } from './sales.tsx';

const KEY_STORAGE = 'adminKey';
/** The dashboard samples every room this often; the charts keep the last five minutes. */
const SAMPLE_MS = 1000;
const HISTORY_POINTS = 300;
const CONCERTS_REFRESH_MS = 10_000;
const SALES_REFRESH_MS = 5000;

export function AdminApp() {
  const [key, setKey] = useState<string | null>(() => takeFragmentSecret('adminKey', KEY_STORAGE));
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [rooms, setRooms] = useState<RoomStats[] | null>(null);
  const [concerts, setConcerts] = useState<Concert[]>([]);
  const [sales, setSales] = useState<Map<number, ConcertSales>>(new Map());
  const [samples, setSamples] = useState(0);
  const history = useRef(new Map<number, RoomHistory>());
  const api = useMemo(() => createApi(), []);
  const say = useCallback((tone: NoticeState['tone'], text: string) => setNotice(makeNotice(tone, text)), []);
  const headers = key ? adminKey(key) : {};

  const refused = useCallback(
    (err: unknown) => {
      if (codeOf(err) === 'ADMIN_KEY_INVALID') {
        sessionStorage.removeItem(KEY_STORAGE);
        setKey(null);
        setRooms(null);
      }
      say('error', describeError(err));
    },
    [say],
  );

  useInterval(
    async () => {
      if (!key) return;
      try {
        const list = unwrap(await api.gateway.GET('/v1/admin/queues', { headers: adminKey(key) }));
        const t = Date.now() / 1000;
        for (const room of list) {
          const h = history.current.get(room.concertId) ?? {
            t: [],
            waiting: [],
            active: [],
            admittedPerSecond: [],
          };
          h.t.push(t);
          h.waiting.push(room.waiting);
          h.active.push(room.active);
          // The room reports admissions over the last minute; a second's share of them.
          h.admittedPerSecond.push(Math.round((room.admittedLastMinute / 60) * 10) / 10);
          if (h.t.length > HISTORY_POINTS) for (const series of Object.values(h)) series.shift();
          history.current.set(room.concertId, h);
        }
        for (const id of [...history.current.keys()]) {
          if (!list.some((r) => r.concertId === id)) history.current.delete(id);
        }
        setRooms(list);
        setSamples((n) => n + 1);
      } catch (err) {
        if (codeOf(err) === 'ADMIN_KEY_INVALID') refused(err);
      }
    },
    SAMPLE_MS,
    key !== null,
  );

  useInterval(
    () =>
      void api.booking
        .GET('/v1/concerts')
        .then(unwrap)
        .then(setConcerts)
        .catch(() => undefined),
    CONCERTS_REFRESH_MS,
  );

  const loadSales = useCallback(async () => {
    if (!key || concerts.length === 0) return;
    const found = await Promise.all(
      concerts.map((c) =>
        api.booking
          .GET('/v1/admin/concerts/{concertId}', {
            headers: adminKey(key),
            params: { path: { concertId: String(c.concertId) } },
          })
          .then((res) => res.data)
          .catch(() => undefined),
      ),
    );
    setSales(new Map(found.filter((s): s is ConcertSales => s !== undefined).map((s) => [s.concertId, s])));
  }, [api, key, concerts]);
  useInterval(() => void loadSales(), SALES_REFRESH_MS, key !== null && concerts.length > 0);

  async function saveRoom(concertId: number, config: Partial<RoomConfig>, isNew: boolean) {
    try {
      unwrap(
        await api.gateway.PUT('/v1/admin/queues/{concertId}', {
          headers,
          params: { path: { concertId: String(concertId) } },
          body: config,
        }),
      );
      say('success', `${isNew ? 'Opened' : 'Updated'} the waiting room of ${nameOf(concertId)}.`);
      return true;
    } catch (err) {
      refused(err);
      return false;
    }
  }

  async function closeRoom(concertId: number) {
    try {
      unwrap(
        await api.gateway.DELETE('/v1/admin/queues/{concertId}', {
          headers,
          params: { path: { concertId: String(concertId) } },
        }),
      );
      setRooms((list) => list?.filter((r) => r.concertId !== concertId) ?? list);
      say('success', `Closed the waiting room of ${nameOf(concertId)}. Everyone in it was let go.`);
    } catch (err) {
      refused(err);
    }
  }

  function nameOf(concertId: number) {
    return concerts.find((c) => c.concertId === concertId)?.name ?? `concert ${concertId}`;
  }

  if (!key) {
    return (
      <>
        <TopBar href="/admin">Operator</TopBar>
        <main class="page admin-page">
          <Notice notice={notice} onClose={() => setNotice(null)} />
          <KeyForm
            onKey={(k) => {
              sessionStorage.setItem(KEY_STORAGE, k);
              setNotice(null);
              setKey(k);
            }}
          />
        </main>
      </>
    );
  }

  const openIds = new Set((rooms ?? []).map((r) => r.concertId));
  const closedConcerts = concerts.filter((c) => !openIds.has(c.concertId));
  return (
    <>
      <TopBar href="/admin">
        Operator ·{' '}
        <button
          type="button"
          class="link-btn"
          style="color:#c9c6e0"
          onClick={() => {
            sessionStorage.removeItem(KEY_STORAGE);
            setKey(null);
          }}
        >
          Forget key
        </button>
      </TopBar>
      <main class="page admin-page">
        <div class="admin-head">
          <h1>Waiting rooms</h1>
          <span class="pulse">Live · every second</span>
        </div>
        <Notice notice={notice} onClose={() => setNotice(null)} />
        {rooms === null ? (
          <div class="card">
            <div class="skeleton" />
          </div>
        ) : rooms.length === 0 ? (
          <div class="card muted">No waiting room is open. Open one below.</div>
        ) : (
          <div class="rooms">
            {rooms.map((room) => (
              <RoomCard
                key={room.concertId}
                room={room}
                name={nameOf(room.concertId)}
                history={history.current.get(room.concertId)!}
                samples={samples}
                onSave={(config) => saveRoom(room.concertId, config, false)}
                onClose={() => closeRoom(room.concertId)}
              />
            ))}
          </div>
        )}
        <div class="admin-grid">
          <OpenRoom concerts={closedConcerts} onOpen={(id, config) => saveRoom(id, config, true)} />
          <CreateConcert
            api={api}
            adminKey={key}
            onCreated={(created) => {
              say(
                'success',
                `Created “${created.name}” (concert ${created.concertId}) with ${created.schedules.length} date(s).`,
              );
              setConcerts((list) => [...list, { concertId: created.concertId, name: created.name }]);
            }}
            onError={refused}
          />
        </div>
        <SalesTable concerts={concerts} sales={sales} openIds={openIds} />
      </main>
    </>
  );
}

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="card sign-in"
      style="margin-top:40px"
      data-testid="admin-key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onKey(value.trim());
      }}
    >
      <h2>Operator sign-in</h2>
      <p class="muted">Enter the deployment's admin key (ADMIN_API_KEY). It stays in this tab only.</p>
      <label class="field">
        Admin key
        <input
          type="password"
          autocomplete="off"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          data-testid="admin-key"
        />
      </label>
      <button type="submit" class="btn">
        Open the dashboard
      </button>
    </form>
  );
}

function OpenRoom(props: {
  concerts: Concert[];
  onOpen: (concertId: number, config: Partial<RoomConfig>) => Promise<boolean>;
}) {
  const [isBusy, setIsBusy] = useState(false);
  return (
    <form
      class="card"
      data-testid="open-room"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget as HTMLFormElement;
        const concertId = Number(new FormData(form).get('concertId'));
        if (!concertId) return;
        setIsBusy(true);
        if (await props.onOpen(concertId, readConfigForm(form))) form.reset();
        setIsBusy(false);
      }}
    >
      <h2>Open a waiting room</h2>
      <p class="muted small">
        Fans can join as soon as it is open. Empty fields take the deployment's defaults.
      </p>
      <label class="field">
        Concert
        <select name="concertId" required data-testid="open-room-concert">
          <option value="">Choose a concert…</option>
          {props.concerts.map((c) => (
            <option value={c.concertId} key={c.concertId}>
              {c.name} (#{c.concertId})
            </option>
          ))}
        </select>
      </label>
      <div class="config-grid">
        {CONFIG_FIELDS.map((f) => (
          <label class="field" key={f.key}>
            {f.label}
            <input name={f.key} type="number" min={1} placeholder="default" title={f.hint} />
          </label>
        ))}
      </div>
      <button type="submit" class="btn" disabled={isBusy} data-testid="open-room-submit">
        Open the room
      </button>
    </form>
  );
}

import type { RoomConfig, RoomStats } from '@concert/client';
import { useState } from 'preact/hooks';
import { CONFIG_FIELDS, readConfigForm } from './config-fields.ts';
import { RoomChart, type RoomHistory } from './room-chart.tsx';

export interface RoomCardProps {
  room: RoomStats;
  name: string;
  history: RoomHistory;
  samples: number;
  onSave: (config: Partial<RoomConfig>) => Promise<boolean>;
  onClose: () => Promise<void>;
}

const count = new Intl.NumberFormat('en-US');

export function RoomCard({ room, name, history, samples, onSave, onClose }: RoomCardProps) {
  const [isEditing, setIsEditing] = useState(false);
  const [isConfirmingClose, setIsConfirmingClose] = useState(false);
  const perSecond = Math.round((room.admittedLastMinute / 60) * 10) / 10;
  return (
    <article class="card room" data-testid="room" data-concert-id={room.concertId}>
      <header class="room-head">
        <div>
          <h2>{name}</h2>
          <div class="muted small">Concert #{room.concertId} · room open</div>
        </div>
        <div class="room-actions">
          <button
            type="button"
            class="btn btn-ghost btn-small"
            data-testid="edit-room"
            onClick={() => setIsEditing(!isEditing)}
          >
            {isEditing ? 'Hide settings' : 'Settings'}
          </button>
          {isConfirmingClose ? (
            <>
              <button
                type="button"
                class="btn btn-danger btn-small"
                data-testid="confirm-close-room"
                onClick={() => void onClose()}
              >
                Close for everyone
              </button>
              <button type="button" class="link-btn" onClick={() => setIsConfirmingClose(false)}>
                Keep open
              </button>
            </>
          ) : (
            <button
              type="button"
              class="btn btn-ghost btn-small"
              data-testid="close-room"
              onClick={() => setIsConfirmingClose(true)}
            >
              Close room
            </button>
          )}
        </div>
      </header>
      <div class="stats">
        <div class="stat">
          <span class="stat-label">Waiting</span>
          <span class="stat-value" data-testid="room-waiting">
            {count.format(room.waiting)}
          </span>
          <span class="stat-sub">of {count.format(room.config.maxWaiting)} max</span>
        </div>
        <div class="stat">
          <span class="stat-label">Active</span>
          <span class="stat-value" data-testid="room-active">
            {count.format(room.active)}
          </span>
          <span class="stat-sub">of {count.format(room.config.maxActive)} slots</span>
        </div>
        <div class="stat">
          <span class="stat-label">Admitted / s</span>
          <span class="stat-value" data-testid="room-rate">
            {perSecond}
          </span>
          <span class="stat-sub">last minute · limit {count.format(room.config.admitPerSecond)}/s</span>
        </div>
      </div>
      <RoomChart history={history} samples={samples} />
      {isEditing ? (
        <form
          class="room-settings"
          data-testid="room-settings"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await onSave(readConfigForm(e.currentTarget as HTMLFormElement))) setIsEditing(false);
          }}
        >
          <div class="config-grid">
            {CONFIG_FIELDS.map((f) => (
              <label class="field" key={f.key}>
                {f.label}
                <input
                  name={f.key}
                  type="number"
                  min={1}
                  defaultValue={String(room.config[f.key])}
                  title={f.hint}
                />
              </label>
            ))}
          </div>
          <button type="submit" class="btn btn-small" data-testid="save-room">
            Save settings
          </button>
          <span class="muted small"> Fans already admitted keep their time.</span>
        </form>
      ) : null}
    </article>
  );
}

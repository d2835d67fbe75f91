import type { RoomConfig } from '@concert/client';

export const CONFIG_FIELDS: { key: keyof RoomConfig; label: string; hint: string }[] = [
  { key: 'maxActive', label: 'Max active', hint: 'fans choosing seats at once' },
  { key: 'admitPerSecond', label: 'Admit per second', hint: 'fans let in each second' },
  { key: 'activeTtlSeconds', label: 'Active time (s)', hint: 'time to choose and pay' },
  { key: 'idleTimeoutSeconds', label: 'Idle timeout (s)', hint: 'silence before a place is given up' },
  { key: 'maxWaiting', label: 'Max waiting', hint: 'room capacity' },
];

/** Fields left empty keep the environment's defaults (QUEUE_*). */
export function readConfigForm(form: HTMLFormElement): Partial<RoomConfig> {
  const data = new FormData(form);
  const config: Partial<RoomConfig> = {};
  for (const { key } of CONFIG_FIELDS) {
    const raw = String(data.get(key) ?? '').trim();
    if (raw !== '') config[key] = Number(raw);
  }
  return config;
}

/**
 * Token lifecycle events, as the Lua scripts write them to each room's stream:
 *   t  = J (joined, WAITING) | A (admitted, ACTIVE) | X (EXPIRED) | C (room closed: all its tokens EXPIRED)
 *   at = Redis time in ms
 *   ids = "userId:tokenId" pairs, comma-separated; one entry per batch, so a promotion tick of
 *         thousands of admissions costs one XADD
 */
export type QueueEventKind = 'J' | 'A' | 'X' | 'C';

export interface QueueEvent {
  kind: QueueEventKind;
  at: Date;
  tokens: { userId: number; tokenId: number }[];
}

export function parseQueueEvent(fields: string[]): QueueEvent | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const kind = map.get('t');
  const at = Number(map.get('at'));
  if (!kind || !'JAXC'.includes(kind) || kind.length !== 1 || !Number.isFinite(at)) return null;
  const ids = map.get('ids') ?? '';
  const tokens = ids
    ? ids.split(',').map((pair) => {
        const [u, t] = pair.split(':');
        return { userId: Number(u), tokenId: Number(t) };
      })
    : [];
  return { kind: kind as QueueEventKind, at: new Date(at), tokens };
}

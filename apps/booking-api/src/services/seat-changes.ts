/** Seats of one schedule that changed state together. */
export interface SeatChange {
  scheduleId: number;
  concertId: number;
  seats: number;
}

/**
 * Told whenever seats stop or start being AVAILABLE: a hold took one, a release gave some back.
 * A sale (HELD → SOLD) leaves the count of available seats alone (its hold took the seat already),
 * but it changes the seat list. The listeners keep what is derived from seat states current: the seat-list micro-cache, and the
 * per-concert count of seats left in Redis that the waiting room reads as `soldOut`.
 */
export interface SeatChanges {
  held(change: SeatChange): void;
  sold(changes: SeatChange[]): void;
  released(changes: SeatChange[]): void;
}

export interface SeatChangeListener {
  held?(change: SeatChange): void;
  sold?(changes: SeatChange[]): void;
  released?(changes: SeatChange[]): void;
}

/** Fans one change out to every listener. A listener must not throw: it logs and carries on. */
export function createSeatChanges(listeners: SeatChangeListener[]): SeatChanges {
  return {
    held(change) {
      for (const l of listeners) l.held?.(change);
    },
    sold(changes) {
      if (changes.length === 0) return;
      for (const l of listeners) l.sold?.(changes);
    },
    released(changes) {
      if (changes.length === 0) return;
      for (const l of listeners) l.released?.(changes);
    },
  };
}

/** Released holds as changes: one per schedule, with how many seats came back. */
export function countBySchedule(released: { scheduleId: number; concertId: number }[]): SeatChange[] {
  const bySchedule = new Map<number, SeatChange>();
  for (const r of released) {
    const change = bySchedule.get(r.scheduleId);
    if (change) change.seats += 1;
    else bySchedule.set(r.scheduleId, { scheduleId: r.scheduleId, concertId: r.concertId, seats: 1 });
  }
  return [...bySchedule.values()];
}

/**
 * A room's waiting line in a gateway's memory: one slot per token id, from the first id the replica
 * saw onward (a room's token ids are consecutive: each comes from the room's INCR, one per join).
 *
 * - `users[i]` is the user of token `base + i` while that token is WAITING, else 0.
 * - A Fenwick tree over the live slots gives a position (live tokens ahead, plus one) in O(log N), and
 *   a removal ahead (admission, expiry, leave) costs O(log N), whatever the crowd.
 * - `seenAt[i]` is when this instance last knew the token live (its join, or a poll it answered), so
 *   that a token that may have gone idle is answered by Redis, which knows exactly.
 *
 * At a million waiting: 4 + 4 + 8 + 8 bytes per slot, 24 MB.
 */
/** Consecutive ids never jump: a join is one INCR. A jump this large means a new sequence. */
const MAX_JUMP = 1 << 22;

export class Line {
  private base = -1;
  private users = new Int32Array(1024);
  private tree = new Int32Array(1025);
  private seenAt = new Float64Array(1024);
  /** When Redis last answered this token's poll: a later answer from memory must be at least as new. */
  private confirmedAt = new Float64Array(1024);
  private live = 0;

  get size(): number {
    return this.live;
  }

  /**
   * Adds a WAITING token (idempotent). A token older than the first slot is ignored: see the replica.
   * Returns false for an id far past the line (a sequence that restarted after Redis lost its data):
   * the replica must start again from a snapshot rather than allocate the jump.
   */
  add(tokenId: number, userId: number, seenAt: number): boolean {
    if (this.base < 0) this.base = tokenId;
    const i = tokenId - this.base;
    if (i < 0) return true;
    if (i >= this.users.length + MAX_JUMP) return false;
    if (i >= this.users.length) this.grow(i + 1);
    if (this.users[i] !== 0) return true;
    this.users[i] = userId;
    this.seenAt[i] = seenAt;
    this.bump(i, 1);
    this.live++;
    return true;
  }

  /** Removes a token that left the line (admitted, expired, left); unknown tokens are ignored. */
  remove(tokenId: number, userId: number): void {
    const i = this.indexOf(tokenId, userId);
    if (i < 0) return;
    this.users[i] = 0;
    this.bump(i, -1);
    this.live--;
  }

  /** The token's position, or null when it is not WAITING here. */
  positionOf(tokenId: number, userId: number): number | null {
    const i = this.indexOf(tokenId, userId);
    if (i < 0) return null;
    let sum = 0;
    for (let j = i + 1; j > 0; j -= j & -j) sum += this.tree[j]!;
    return sum;
  }

  /** When this instance last knew the token live, or null when it is not WAITING here. */
  seenAtOf(tokenId: number, userId: number): number | null {
    const i = this.indexOf(tokenId, userId);
    return i < 0 ? null : this.seenAt[i]!;
  }

  markSeen(tokenId: number, userId: number, at: number): void {
    const i = this.indexOf(tokenId, userId);
    if (i >= 0 && at > this.seenAt[i]!) this.seenAt[i] = at;
  }

  /** Redis answered this token's poll at `at` (it is live then). */
  markConfirmed(tokenId: number, userId: number, at: number): void {
    const i = this.indexOf(tokenId, userId);
    if (i < 0) return;
    this.confirmedAt[i] = at;
    if (at > this.seenAt[i]!) this.seenAt[i] = at;
  }

  confirmedAtOf(tokenId: number, userId: number): number {
    const i = this.indexOf(tokenId, userId);
    return i < 0 ? 0 : this.confirmedAt[i]!;
  }

  private indexOf(tokenId: number, userId: number): number {
    if (this.base < 0) return -1;
    const i = tokenId - this.base;
    return i >= 0 && i < this.users.length && this.users[i] === userId && userId !== 0 ? i : -1;
  }

  private bump(i: number, delta: number): void {
    for (let j = i + 1; j < this.tree.length; j += j & -j) this.tree[j]! += delta;
  }

  private grow(needed: number): void {
    let capacity = this.users.length;
    while (capacity < needed) capacity *= 2;
    const users = new Int32Array(capacity);
    users.set(this.users);
    const seenAt = new Float64Array(capacity);
    seenAt.set(this.seenAt);
    const confirmedAt = new Float64Array(capacity);
    confirmedAt.set(this.confirmedAt);
    // Rebuilt in O(n): each slot's count, pushed once to its parent.
    const tree = new Int32Array(capacity + 1);
    for (let i = 0; i < this.users.length; i++) if (users[i] !== 0) tree[i + 1] = 1;
    for (let j = 1; j <= capacity; j++) {
      const parent = j + (j & -j);
      if (parent <= capacity) tree[parent]! += tree[j]!;
    }
    this.users = users;
    this.seenAt = seenAt;
    this.confirmedAt = confirmedAt;
    this.tree = tree;
  }
}

// User ids per iteration. Two VUs acting as one user at once would share one queue token (a join is
// idempotent per user and concert), so every iteration of a run gets its own id.
import exec from 'k6/execution';

const MAX_ID = 2_147_483_647;

/**
 * Closed model (per-vu-iterations): VU v's iteration i is user offset + (v - 1) * iterationsPerVu + i + 1,
 * distinct across the run. No user needs to exist beforehand: the booking API provisions each on the
 * first sight of their user token.
 */
export function iterationUserId(offset: number, iterationsPerVu: number): number {
  return offset + (__VU - 1) * iterationsPerVu + __ITER + 1;
}

/**
 * Like iterationUserId, but folded into 1..usersMax (the seed's users 1..1000 by default), so that
 * repeated runs buy as the same users rather than provision new ones each time. Distinct across the
 * run while VUs * iterations <= usersMax (the config enforces it).
 */
export function foldedUserId(offset: number, iterationsPerVu: number, usersMax: number): number {
  return ((offset + (__VU - 1) * iterationsPerVu + __ITER) % usersMax) + 1;
}

/** Open model (arrival-rate): one user per iteration of the test, whichever VU runs it. */
export function arrivalUserId(offset: number): number {
  const id = offset + exec.scenario.iterationInTest + 1;
  return id > MAX_ID ? ((id - 1) % MAX_ID) + 1 : id;
}

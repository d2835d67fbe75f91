import {
  definePlan,
  encodeExhaustedRequest,
  encodeRequest,
  generateRequestBuffers,
} from '../lib/load-plan.ts';

export interface JoinPlanArgs {
  /**
   * Rooms joined in turn: the first `tokens.length` requests join the first room, the next as many the
   * second, and so on, so that every request is a new (user, room) pair (201) while only `tokens.length`
   * tokens had to be signed. Past the last room, requests go to a path no route answers (404), and the
   * run's status check fails loudly.
   */
  concertIds: number[];
  /** Pre-signed user tokens, one per user (lib/identity.ts). */
  tokens: string[];
}

/** Stands for the token in the encoded request; it cannot occur in one (tokens are base64url and dots). */
const MARKER = '<user-token>';

/**
 * POST /v1/queue/tokens `{ concertId }` with `Authorization: Bearer <userToken>` (API.md v2), one new
 * (user, room) pair per request across every connection and the warm-up.
 */
export default definePlan((args: JoinPlanArgs, { url }) => {
  if (args.tokens.length === 0 || args.concertIds.length === 0) {
    throw new Error('the join plan needs at least one token and one room');
  }
  const path = new URL(url).pathname;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${MARKER}` };
  // Each room's request split around the token, so that each request is two concatenations.
  const templates = args.concertIds.map(
    (concertId) =>
      encodeRequest(url, { method: 'POST', path, headers, body: JSON.stringify({ concertId }) })
        .toString()
        .split(MARKER) as [string, string],
  );
  const exhausted = encodeExhaustedRequest(url, 'join-pairs-exhausted');
  const users = args.tokens.length;
  let next = 0;
  return {
    method: 'POST',
    headers: { ...headers, authorization: `Bearer ${args.tokens[0]}` },
    body: JSON.stringify({ concertId: args.concertIds[0] }),
    ...generateRequestBuffers(() => {
      const template = templates[Math.floor(next / users)];
      if (template === undefined) return exhausted;
      return Buffer.from(template[0] + args.tokens[next++ % users] + template[1]);
    }),
  };
});

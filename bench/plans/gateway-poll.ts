import { cycleRequestBuffers, definePlan, encodeRequest } from '../lib/load-plan.ts';

export interface PollPlanArgs {
  /** Signed queue tokens; each connection polls them in turn from its own offset. */
  tokens: string[];
}

/** GET /v1/queue/status with `Authorization: Bearer <token>`, cycling through a pool of tokens. */
export default definePlan((args: PollPlanArgs, { url }) => {
  if (args.tokens.length === 0) throw new Error('the poll plan needs at least one token');
  const path = new URL(url).pathname;
  return {
    method: 'GET',
    ...cycleRequestBuffers(
      args.tokens.map((t) =>
        encodeRequest(url, { method: 'GET', path, headers: { authorization: `Bearer ${t}` } }),
      ),
    ),
  };
});

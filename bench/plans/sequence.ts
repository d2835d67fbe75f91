import {
  definePlan,
  encodeExhaustedRequest,
  encodeRequest,
  generateRequestBuffers,
  type RawRequest,
} from '../lib/load-plan.ts';

export interface SequencePlanArgs {
  /**
   * Every request of the run, warm-up first, each sent exactly once, in order, by whichever connection
   * is free next: a seat is held once, a hold is paid once. Run it with `amount` (and `warmupAmount`)
   * no larger than the list.
   */
  requests: RawRequest[];
}

/** Prebuilt requests sent once each, shared by every connection: encoded once, up front. */
export default definePlan((args: SequencePlanArgs, { url }) => {
  if (args.requests.length === 0) throw new Error('the sequence plan needs at least one request');
  const buffers = args.requests.map((r) => encodeRequest(url, r));
  // Past the end of the list (404).
  const exhausted = encodeExhaustedRequest(url, 'request-list-exhausted');
  let next = 0;
  const first = args.requests[0]!;
  return {
    method: first.method as 'POST',
    ...generateRequestBuffers(() => buffers[next++] ?? exhausted),
  };
});

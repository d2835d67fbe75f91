import { definePlan, encodeRequest, generateRequestBuffers } from '../lib/load-plan.ts';

export interface JoinPlanArgs {
  concertId: number;
  /** The first userId; each request takes the next one, so that every join is a new user (201). */
  firstUserId: number;
}

/** The widest userId, right-aligned in spaces: JSON allows them, and every body keeps one length. */
const ID_WIDTH = 10;

/** POST /v1/queue/tokens, one distinct user per request across every connection and the warm-up. */
export default definePlan((args: JoinPlanArgs, { url }) => {
  const path = new URL(url).pathname;
  const headers = { 'content-type': 'application/json' };
  // Split one encoded request around the userId, so that each request is two concatenations.
  const marker = 'X'.repeat(ID_WIDTH);
  const template = encodeRequest(url, {
    method: 'POST',
    path,
    headers,
    body: `{"userId":${marker},"concertId":${args.concertId}}`,
  }).toString();
  const [head, tail] = template.split(marker) as [string, string];
  let next = args.firstUserId;
  return {
    method: 'POST',
    headers,
    body: `{"userId":${args.firstUserId},"concertId":${args.concertId}}`,
    ...generateRequestBuffers(() => Buffer.from(head + String(next++).padStart(ID_WIDTH) + tail)),
  };
});

import type autocannon from 'autocannon';

/**
 * What a load run sends. A plan lives in its own module (see bench/plans/), because the load
 * generator runs in another process and functions cannot cross it: the worker imports the module and
 * calls its default export with JSON `args` and the run's URL.
 *
 *   export default definePlan((args: { concertId: number }, { url }) => ({ ... }));
 *
 * Requests that vary (a new user per join, a different token per poll) should not use autocannon's
 * `setupRequest`: it sends every request back through autocannon's request builder, and measured
 * against the bare route that halved what the load generator could send (about 21,800 against 11,400
 * req/s, adjacent runs), so the client, not the server, set the number. `cycleRequestBuffers` and
 * `generateRequestBuffers` hand autocannon ready bytes instead, at the cost of a static request.
 */
export type LoadPlan = Pick<
  autocannon.Options,
  'method' | 'headers' | 'body' | 'requests' | 'setupClient' | 'expectBody'
>;

export interface PlanContext {
  /** The run's target URL. */
  url: string;
}

export type LoadPlanFactory<A> = (args: A, context: PlanContext) => LoadPlan;

export const definePlan = <A>(factory: LoadPlanFactory<A>): LoadPlanFactory<A> => factory;

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The HTTP/1.1 bytes of one request, as autocannon writes them (Host, keep-alive, Content-Length). */
export function encodeRequest(url: string, req: RawRequest): Buffer {
  const { host } = new URL(url);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `Host: ${host}`, 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`${name}: ${value}`);
  if (req.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`);
}

/**
 * A request no route answers (404), sent once a plan's list of one-use requests is exhausted, so that the
 * run's status check fails loudly instead of the server seeing repeats.
 */
export function encodeExhaustedRequest(url: string, what: string): Buffer {
  return encodeRequest(url, { method: 'GET', path: `/__bench/${what}` });
}

/**
 * Each connection sends the given requests in turn, starting at its own offset so that connections
 * spread over the list rather than move through it together.
 */
export function cycleRequestBuffers(buffers: Buffer[]): Pick<LoadPlan, 'setupClient'> {
  if (buffers.length === 0) throw new Error('cycleRequestBuffers: no requests');
  let clients = 0;
  return {
    setupClient(client) {
      // A prime stride spreads the connections' starting points over the list.
      let next = (clients++ * 7919) % buffers.length;
      overrideRequestBuffer(client, () => {
        const b = buffers[next]!;
        next = next + 1 === buffers.length ? 0 : next + 1;
        return b;
      });
    },
  };
}

/** Each request's bytes come from `make`, called once per request, shared by every connection. */
export function generateRequestBuffers(make: () => Buffer): Pick<LoadPlan, 'setupClient'> {
  return { setupClient: (client) => overrideRequestBuffer(client, make) };
}

/**
 * autocannon 9 writes `client.getRequestBuffer()` for every request (lib/httpClient.js `_doRequest`);
 * replacing it per client is the cheapest way to vary requests. Pinned to autocannon 9.0.0.
 */
function overrideRequestBuffer(client: autocannon.Client, make: () => Buffer): void {
  const c = client as unknown as { getRequestBuffer?: () => Buffer };
  if (typeof c.getRequestBuffer !== 'function') {
    throw new Error('this autocannon has no Client#getRequestBuffer: re-check lib/load-plan.ts against it');
  }
  c.getRequestBuffer = make;
}

/**
 * What a load run sends, by name: the load generator runs in another process and functions cannot cross
 * it, so a run names its plan and passes JSON args. Requests that vary do not use autocannon's
 * `setupRequest`: it sends every request back through autocannon's request builder, and against the
 * bare route that halved what the load generator could send (21,800 against 11,400 req/s, adjacent
 * runs). The plans hand autocannon ready bytes instead (`getRequestBuffer`).
 */
import type autocannon from 'autocannon';

type Plan = Pick<autocannon.Options, 'method' | 'headers' | 'body' | 'setupClient'>;

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The HTTP/1.1 bytes of one request, as autocannon writes them (Host, keep-alive, Content-Length). */
function encode(url: string, req: RawRequest): Buffer {
  const lines = [
    `${req.method} ${req.path} HTTP/1.1`,
    `Host: ${new URL(url).host}`,
    'Connection: keep-alive',
  ];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`${name}: ${value}`);
  if (req.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`);
}

/** Past the end of a list of one-use requests: a path no route answers (404), so the status check fails loudly. */
const exhausted = (url: string, what: string) => encode(url, { method: 'GET', path: `/__bench/${what}` });

/**
 * autocannon 9 writes `client.getRequestBuffer()` for every request (lib/httpClient.js `_doRequest`);
 * replacing it per client is the cheapest way to vary requests. Pinned to autocannon 9.0.0.
 */
function eachRequest(make: (clientIndex: number) => () => Buffer): Pick<Plan, 'setupClient'> {
  let clients = 0;
  return {
    setupClient(client) {
      const c = client as unknown as { getRequestBuffer?: () => Buffer };
      if (typeof c.getRequestBuffer !== 'function')
        throw new Error('this autocannon has no Client#getRequestBuffer');
      c.getRequestBuffer = make(clients++);
    },
  };
}

export const PLANS = {
  /** The same GET over and over: the bare route's baseline. */
  get: (_args: unknown, _url: string): Plan => ({ method: 'GET' }),

  /** GET with `Authorization: Bearer <token>`, each connection cycling through the tokens from its own offset. */
  poll(args: { tokens: string[] }, url: string): Plan {
    if (args.tokens.length === 0) throw new Error('the poll plan needs at least one token');
    const path = new URL(url).pathname;
    const buffers = args.tokens.map((t) =>
      encode(url, { method: 'GET', path, headers: { authorization: `Bearer ${t}` } }),
    );
    return {
      method: 'GET',
      // A prime stride spreads the connections' starting points over the list.
      ...eachRequest((i) => {
        let next = (i * 7919) % buffers.length;
        return () => buffers[next++ % buffers.length]!;
      }),
    };
  },

  /**
   * POST /v1/queue/tokens `{ concertId }` with a user token, a new (user, room) pair per request: the
   * first `tokens.length` requests join the first room, the next as many the second, and so on, so that
   * only `tokens.length` tokens had to be signed.
   */
  join(args: { concertIds: number[]; tokens: string[] }, url: string): Plan {
    if (args.tokens.length === 0 || args.concertIds.length === 0)
      throw new Error('the join plan needs a token and a room');
    const MARKER = '<user-token>';
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${MARKER}` };
    const path = new URL(url).pathname;
    // Each room's request split around the token, so that each request is two concatenations.
    const templates = args.concertIds.map((concertId) =>
      encode(url, { method: 'POST', path, headers, body: JSON.stringify({ concertId }) })
        .toString()
        .split(MARKER),
    );
    const end = exhausted(url, 'join-pairs-exhausted');
    const users = args.tokens.length;
    let next = 0;
    const make = () => {
      const t = templates[Math.floor(next / users)];
      return t ? Buffer.from(t[0]! + args.tokens[next++ % users] + t[1]!) : end;
    };
    return { method: 'POST', ...eachRequest(() => make) };
  },

  /** Every request of the run sent exactly once, in order, by whichever connection is free (a seat held once). */
  sequence(args: { requests: RawRequest[] }, url: string): Plan {
    if (args.requests.length === 0) throw new Error('the sequence plan needs at least one request');
    const buffers = args.requests.map((r) => encode(url, r));
    const end = exhausted(url, 'request-list-exhausted');
    let next = 0;
    return { method: args.requests[0]!.method as 'POST', ...eachRequest(() => () => buffers[next++] ?? end) };
  },
};
export type PlanName = keyof typeof PLANS;

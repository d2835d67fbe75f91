import type { IncomingHttpHeaders } from 'node:http';
import {
  type BookingClient,
  createBookingClient,
  createGatewayClient,
  type GatewayClient,
} from '@concert/client';
import { Agent } from 'undici';

export interface Sample {
  ms: number;
  status: number;
  code?: string;
}

export interface EndpointStats {
  requests: number;
  durations: number[];
  errorsByCode: Record<string, number>;
  serverErrors: number;
}

/** What one typed call answered: openapi-fetch's `{ data, error, response }`. */
export interface TypedAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * What the typed client builds a call into: the fields the transport below reads, and nothing of the
 * WHATWG Request (its AbortSignal, body stream and Web IDL checks). With the global Request and fetch,
 * the load generator spent about 0.7 ms of CPU a request, and in the rush of 2,000 joins a second its
 * one event loop was the bottleneck: joins waited in its own queue, not at the gateway.
 */
class PlainRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  constructor(url: string, init: { method?: string; headers?: Headers; body?: string } = {}) {
    this.url = url;
    this.method = init.method ?? 'GET';
    this.headers = init.headers ?? new Headers();
    this.body = init.body;
  }
}

/** The parts of a Response the typed client and this file read. */
class PlainResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  constructor(
    readonly status: number,
    rawHeaders: IncomingHttpHeaders,
    private readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const v = rawHeaders[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }
  async text() {
    return this.bodyText;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.bodyText);
  }
}

/**
 * Every request of the simulation goes through the project's typed client (@concert/client), and
 * through here for per-endpoint timing and errors; the wire is undici's dispatcher API on one agent
 * (see PlainRequest for why not fetch). The client's own retries are off: the simulation counts every
 * 429 and 503 it meets, and decides itself what a fan does next.
 */
export class Client {
  readonly stats = new Map<string, EndpointStats>();
  readonly gateway: GatewayClient;
  readonly booking: BookingClient;
  private readonly agent: Agent;
  private isDestroyed = false;

  constructor(connections: number, urls: { gatewayUrl: string; bookingUrl: string }) {
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const send = async (request: PlainRequest): Promise<PlainResponse> => {
      const { url } = request;
      const slash = url.indexOf('/', url.indexOf('//') + 2);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const res = await this.agent.request({
        origin: url.slice(0, slash),
        path: url.slice(slash),
        method: request.method as 'GET',
        headers,
        body: request.body ?? null,
      });
      return new PlainResponse(res.statusCode, res.headers, await res.body.text());
    };
    const options = {
      fetch: send as unknown as typeof fetch,
      Request: PlainRequest as unknown as typeof Request,
      retry: false,
    } as const;
    this.gateway = createGatewayClient({ baseUrl: urls.gatewayUrl, ...options });
    this.booking = createBookingClient({ baseUrl: urls.bookingUrl, ...options });
  }

  /** Times one typed call under `endpoint`; a network failure reads as status 0, code NETWORK_…. */
  async call<T>(
    endpoint: string,
    send: () => Promise<TypedAnswer<T>>,
  ): Promise<{ status: number; body: T; code?: string }> {
    const started = performance.now();
    let status = 0;
    let body: unknown = null;
    try {
      const answer = await send();
      status = answer.response.status;
      body = answer.error ?? answer.data ?? null;
    } catch (err) {
      if (this.isDestroyed) throw err;
      const cause = (err as { cause?: { code?: string }; code?: string }).cause ?? (err as { code?: string });
      body = { code: `NETWORK_${cause.code ?? 'ERROR'}` };
    }
    const ms = performance.now() - started;
    const code =
      status >= 400 || status === 0
        ? String((body as { code?: unknown })?.code ?? `HTTP_${status}`)
        : undefined;
    this.record(endpoint, { ms, status, ...(code === undefined ? {} : { code }) });
    return { status, body: body as T, ...(code === undefined ? {} : { code }) };
  }

  private record(endpoint: string, s: Sample) {
    let e = this.stats.get(endpoint);
    if (!e) {
      e = { requests: 0, durations: [], errorsByCode: {}, serverErrors: 0 };
      this.stats.set(endpoint, e);
    }
    e.requests++;
    e.durations.push(s.ms);
    if (s.code) e.errorsByCode[s.code] = (e.errorsByCode[s.code] ?? 0) + 1;
    if (s.status >= 500) e.serverErrors++;
  }

  async close() {
    if (!this.isDestroyed) await this.agent.close();
  }

  /** Ends every request in flight at once: the run's hard stop. */
  async destroy() {
    this.isDestroyed = true;
    await this.agent.destroy();
  }
}

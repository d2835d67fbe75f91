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
 * Every request of the simulation goes through the project's typed client (@concert/client) over one
 * undici agent, and through here for per-endpoint timing and errors. The client's own retries are
 * off: the simulation counts every 429 and 503 it meets, and decides itself what a fan does next.
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
    const viaAgent: typeof fetch = (input, init) =>
      fetch(input, { ...init, dispatcher: this.agent } as unknown as RequestInit);
    this.gateway = createGatewayClient({ baseUrl: urls.gatewayUrl, fetch: viaAgent, retry: false });
    this.booking = createBookingClient({ baseUrl: urls.bookingUrl, fetch: viaAgent, retry: false });
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

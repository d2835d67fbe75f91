import { Agent, request } from 'undici';

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

/** Every request of the simulation goes through here: one undici agent, per-endpoint timing and errors. */
export class Client {
  readonly stats = new Map<string, EndpointStats>();
  private readonly agent: Agent;

  private isDestroyed = false;

  constructor(connections: number) {
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  }

  async call<T = Record<string, unknown>>(
    endpoint: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; code?: string }> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let status = 0;
    let body: unknown = null;
    try {
      const res = await request(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        dispatcher: this.agent,
      });
      status = res.statusCode;
      const text = await res.body.text();
      body = text ? JSON.parse(text) : null;
    } catch (err) {
      if (this.isDestroyed) throw err;
      status = 0;
      body = { code: `NETWORK_${(err as { code?: string }).code ?? 'ERROR'}` };
    }
    const ms = performance.now() - started;
    const code =
      status >= 400 || status === 0
        ? String((body as { code?: unknown })?.code ?? `HTTP_${status}`)
        : undefined;
    this.record(endpoint, { ms, status, code });
    return { status, body: body as T, code };
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

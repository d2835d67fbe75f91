import { createParser } from 'eventsource-parser';
import { bearer, type GatewayClient } from './clients.ts';
import { ApiError, unwrap } from './errors.ts';
import { sleep } from './sleep.ts';
import type { FinalQueueStatus, QueueStatus } from './types.ts';

export type StatusSource = 'stream' | 'poll';

export interface WatchQueueOptions {
  /** Polls go through the typed client (and its retries of 429/503). */
  gateway: GatewayClient;
  /**
   * `GET /v1/queue/stream` of the same gateway (`${baseUrl}/v1/queue/stream`), read with fetch; null
   * to poll only.
   */
  streamUrl: string | null;
  /** The queue token. It travels in the Authorization header, never in a URL. */
  token: string;
  /** Every status, as it arrives, and where from. */
  onStatus?: (status: QueueStatus, source: StatusSource) => void;
  /** A transient failure (network, 5xx) that the watch rides out; it goes on by itself. */
  onTrouble?: (error: unknown) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /**
   * Silence after which an open stream counts as lost. The server sends `: ping` at least every 15 s,
   * so twice that plus slack never cuts a healthy stream.
   */
  streamSilenceMs?: number;
}

/** Statuses a stream cannot serve: the route is not there (an older gateway), or not allowed. */
const STREAM_UNSUPPORTED = new Set([404, 405, 501]);
/** Streams that end with no status, in a row, before the watch settles for polling. */
const MAX_BARREN_STREAMS = 3;
const MAX_TROUBLE_BACKOFF_MS = 10_000;

type StreamOutcome =
  | { kind: 'final'; status: FinalQueueStatus }
  | { kind: 'unsupported' }
  | { kind: 'lost'; hadStatus: boolean };

const isFinal = (status: QueueStatus): status is FinalQueueStatus => status.status !== 'WAITING';

/**
 * Follows a queue token until it is ACTIVE or EXPIRED, and resolves with that status.
 *
 * It reads the push stream while the gateway serves one, and falls back to polling exactly as
 * `pollAfterMs` advises when it does not (a 404 from a gateway without the route ends the stream
 * attempts for good). A lost stream costs one poll, which says where the token stands and keeps it
 * live, then the stream is opened again with the same token; three barren streams in a row and the
 * watch polls from then on. Network failures and 5xx are ridden out with a growing pause.
 * A 401 or 403 (a token the gateway refuses) rejects with its ApiError.
 */
export async function watchQueue(options: WatchQueueOptions): Promise<FinalQueueStatus> {
  const { gateway, token, signal } = options;
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const silenceMs = options.streamSilenceMs ?? 35_000;
  const report = (status: QueueStatus, source: StatusSource) => options.onStatus?.(status, source);
  let canStream = options.streamUrl !== null;
  let barrenStreams = 0;
  let troubles = 0;

  async function readStream(url: string): Promise<StreamOutcome> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let silence: ReturnType<typeof setTimeout> | undefined;
    const resetSilence = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(new Error('stream went silent')), silenceMs);
    };
    let hadStatus = false;
    try {
      resetSilence();
      const response = await fetchImpl(url, {
        headers: { ...bearer(token), accept: 'text/event-stream' },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (STREAM_UNSUPPORTED.has(response.status)) {
        await response.body?.cancel();
        return { kind: 'unsupported' };
      }
      if (response.status === 401 || response.status === 403) {
        throw new ApiError(response.status, await response.json().catch(() => undefined));
      }
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
        await response.body?.cancel();
        return { kind: 'lost', hadStatus };
      }
      let final: FinalQueueStatus | undefined;
      const parser = createParser({
        onEvent(event) {
          if (event.event !== 'status') return;
          const status = JSON.parse(event.data) as QueueStatus;
          hadStatus = true;
          report(status, 'stream');
          if (isFinal(status)) final = status;
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          resetSilence();
          parser.feed(value);
          if (final) return { kind: 'final', status: final };
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
      return { kind: 'lost', hadStatus };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ApiError) throw err;
      return { kind: 'lost', hadStatus };
    } finally {
      clearTimeout(silence);
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }

  async function poll(): Promise<QueueStatus | null> {
    try {
      const status = unwrap(await gateway.GET('/v1/queue/status', { headers: bearer(token), signal }));
      troubles = 0;
      report(status, 'poll');
      return status;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // A refused token ends the watch; a 429 left over after the client's retries, the network or a
      // 5xx does not: the token is still in line. Wait a little longer each time.
      if (err instanceof ApiError && err.status < 500 && err.status !== 429) throw err;
      troubles++;
      options.onTrouble?.(err);
      await sleep(Math.min(MAX_TROUBLE_BACKOFF_MS, 500 * 2 ** troubles), signal);
      return null;
    }
  }

  for (;;) {
    signal?.throwIfAborted();
    if (canStream && options.streamUrl) {
      const outcome = await readStream(options.streamUrl);
      if (outcome.kind === 'final') return outcome.status;
      if (outcome.kind === 'unsupported') canStream = false;
      else {
        barrenStreams = outcome.hadStatus ? 0 : barrenStreams + 1;
        if (barrenStreams >= MAX_BARREN_STREAMS) canStream = false;
      }
    }
    const status = await poll();
    if (status === null) continue;
    if (isFinal(status)) return status;
    // Streaming again after a lost stream: soon, but never later than the poll advice.
    const waitMs = canStream ? Math.min(status.pollAfterMs, 1000 * 2 ** barrenStreams) : status.pollAfterMs;
    await sleep(waitMs, signal);
  }
}

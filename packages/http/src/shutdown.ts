import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

interface ShutdownLogger {
  info(obj: object, msg: string): void;
  error(obj: object | string, msg?: string): void;
}

/**
 * Every process's shutdown, through close-with-grace: on SIGINT or SIGTERM (or an uncaught error) it
 * runs `close` once, then exits 0, or 1 after an error. A second signal, or `close` outlasting
 * `delayMs`, exits 1 at once.
 */
export function closeOnSignal(log: ShutdownLogger, delayMs: number, close: () => Promise<void>): void {
  closeWithGrace(
    {
      delay: delayMs,
      // close-with-grace logs its own lines (a timeout, a second signal) and a failed `close` itself.
      logger: {
        error: (msg: unknown) =>
          msg instanceof Error ? log.error({ err: msg }, 'shutdown failed') : log.error(String(msg)),
      },
    },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'shutting down after an error');
      else log.info({ signal }, 'shutting down');
      await close();
    },
  );
}

/**
 * Requests that arrive while the server drains (after `app.close()` began) get the contract's 503
 * UNAVAILABLE with Retry-After, and their connection closes, so that the client goes to another
 * instance. Register it at the root, beside problemJson, which renders the error.
 */
async function drainOnClose(app: FastifyInstance) {
  let isClosing = false;
  app.addHook('preClose', async () => {
    isClosing = true;
  });
  // A callback hook, not an async one: it runs on every request, and a poll costs little else.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!isClosing) {
      done();
      return;
    }
    reply.header('connection', 'close');
    done(new AppError('UNAVAILABLE', 503, 'the server is shutting down; retry', 1));
  });
}

export const drainOnClosePlugin = fp(drainOnClose, { name: 'drain-on-close', fastify: '5.x' });

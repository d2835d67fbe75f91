import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type ChildMessage, type ParentMessage, sampleCpu } from './ipc.ts';

/**
 * The child side of `startServerProcess`: listens on 127.0.0.1 (an ephemeral port), tells the parent
 * the port, answers CPU samples, and closes the app when asked or when the parent goes away.
 */
export async function serveToParent(app: FastifyInstance): Promise<void> {
  if (!process.send) throw new Error('serveToParent: not started by startServerProcess (no IPC channel)');
  const send = (m: ChildMessage) => process.send!(m);
  let isClosing = false;

  async function close(code: number) {
    if (isClosing) return;
    isClosing = true;
    // Bounded: a stuck close must not keep the process (and the bench) alive.
    const timer = setTimeout(() => process.exit(code), 5000);
    timer.unref();
    await app.close().catch(() => undefined);
    // A normal exit, so that --cpu-prof writes its profile.
    process.exit(code);
  }

  process.on('message', (m: ParentMessage) => {
    if (m.type === 'cpu') send({ type: 'cpu', id: m.id, sample: sampleCpu() });
    if (m.type === 'stop') void close(0);
  });
  // The parent died or closed the channel: never outlive it.
  process.on('disconnect', () => void close(0));
  process.on('SIGTERM', () => void close(0));

  await app.listen({ host: '127.0.0.1', port: 0 });
  send({ type: 'ready', port: (app.server.address() as AddressInfo).port });
}

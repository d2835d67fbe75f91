import type { PromoteResult, RoomStats } from '@concert/queue-core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { readOpenRoomStats } from '../services/open-rooms.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The waiting room's Prometheus series; the promoter reports each tick's admissions here. */
    queueMetrics: QueueMetrics;
  }
}

export interface QueueMetrics {
  /** Counts the tokens one promotion call of this instance admitted. */
  recordPromotion(concertId: number, result: Pick<PromoteResult, 'admitted'>): void;
  /** Counts a poll answered: from this instance's replica, or by Redis. */
  recordPoll(isFromReplica: boolean): void;
}

/**
 * `queue_waiting` and `queue_active` (gauges, read from Redis at scrape time through queue-core's
 * public room stats, so every instance reports the rooms' true size) and `queue_admitted_total` (a
 * counter of the admissions this instance made: sum it over instances), each labelled `concert`;
 * and `queue_poll_answers_total` by `source` (replica or redis): how many polls the replica spared Redis.
 */
async function queueMetricsPlugin(app: FastifyInstance) {
  const registers = [app.metrics];
  let inFlight: Promise<RoomStats[]> | undefined;

  /**
   * A scrape collects every gauge at once (prom-client starts their collect() together), so one read
   * of the rooms serves them all; the next scrape reads afresh.
   */
  function readRoomsOnce(): Promise<RoomStats[]> {
    inFlight ??= readOpenRoomStats(app.queue).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  /** A gauge per room; a closed room's series disappears with it. */
  function roomGauge(name: string, help: string, read: (room: RoomStats) => number) {
    return new Gauge({
      name,
      help,
      labelNames: ['concert'] as const,
      registers,
      async collect() {
        let rooms: RoomStats[];
        try {
          rooms = await readRoomsOnce();
        } catch (err) {
          // Redis is down: the scrape still serves every other series, and this one is absent.
          app.log.warn({ err: { message: (err as Error).message } }, 'queue metrics: rooms not readable');
          this.reset();
          return;
        }
        this.reset();
        for (const room of rooms) this.set({ concert: String(room.concertId) }, read(room));
      },
    });
  }

  roomGauge('queue_waiting', 'WAITING tokens in each open waiting room', (room) => room.waiting);
  roomGauge('queue_active', 'ACTIVE tokens in each open waiting room', (room) => room.active);
  const admitted = new Counter({
    name: 'queue_admitted_total',
    help: 'Tokens admitted by this instance’s promoter, by concert',
    labelNames: ['concert'] as const,
    registers,
  });

  const pollAnswers = new Counter({
    name: 'queue_poll_answers_total',
    help: 'Polls this instance answered, by source: its in-memory replica, or Redis',
    labelNames: ['source'] as const,
    registers,
  });
  // Bound once: a poll pays no label lookup.
  const fromReplica = pollAnswers.labels('replica');
  const fromRedis = pollAnswers.labels('redis');

  app.decorate('queueMetrics', {
    recordPromotion(concertId, result) {
      if (result.admitted > 0) admitted.inc({ concert: String(concertId) }, result.admitted);
    },
    recordPoll(isFromReplica) {
      (isFromReplica ? fromReplica : fromRedis).inc();
    },
  } satisfies QueueMetrics);
}

export default fp(queueMetricsPlugin, {
  name: 'queue-metrics',
  dependencies: ['metrics', 'queue'],
  fastify: '5.x',
});

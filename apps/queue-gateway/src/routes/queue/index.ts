import { NoBody, problemResponses } from '@concert/http';
import type { QueueStatus as QueueStatusValue, TokenClaims } from '@concert/queue-core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { queueFull, queueNotFound } from '../../errors.ts';
import { EventStream, JoinBody, JoinResponse, QueueStatus } from '../../schemas/queue.ts';

const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/queue/tokens',
    {
      // The user is whoever the verified user token says, never the body.
      preHandler: app.requireUser,
      schema: {
        body: JoinBody,
        response: { 200: JoinResponse, 201: JoinResponse, ...problemResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.body;
      const { userId } = request.user!;
      const result = await app.queue.joinRoom(concertId, userId);
      app.replicas.noteWrite(concertId);
      if (result.outcome === 'NO_ROOM') throw queueNotFound(concertId);
      if (result.outcome === 'FULL') throw queueFull();
      const token = app.tokens.signToken({ userId, concertId, tokenId: result.tokenId });
      reply.status(result.outcome === 'JOINED' ? 201 : 200);
      const status = await app.soldOut.withSoldOut(concertId, result.status);
      return { token, concertId, userId, ...status } as typeof JoinResponse.static;
    },
  );

  /** A poll the replica could not answer from memory alone: Redis, or the room's first sold-out read. */
  async function answerSlowly(claims: TokenClaims, fromReplica: QueueStatusValue | null) {
    let status = fromReplica;
    if (!status) {
      status = await app.queue.pollToken(claims);
      app.replicas.noteAnswered(claims, status);
    }
    app.queueMetrics.recordPoll(fromReplica !== null);
    return app.soldOut.withSoldOut(claims.concertId, status);
  }

  app.get(
    '/v1/queue/status',
    { schema: { response: { 200: QueueStatus, ...problemResponses(401, 429, 503) } } },
    // Not async, and no preHandler: a poll the replica answers runs no hook and makes no promise.
    (request) => {
      const claims = app.queueClaimsOf(request);
      const status = app.replicas.answer(claims);
      if (status?.status === 'WAITING') {
        const soldOut = app.soldOut.peekSoldOut(claims.concertId);
        if (soldOut !== undefined) {
          app.queueMetrics.recordPoll(true);
          // Written out, not spread: a spread costs a runtime call per poll (perf: 0.8 % of the
          // gateway's CPU samples in Runtime_DefineKeyedOwnPropertyInLiteral).
          return {
            status: status.status,
            position: status.position,
            estimatedWaitSeconds: status.estimatedWaitSeconds,
            pollAfterMs: status.pollAfterMs,
            soldOut,
          };
        }
      }
      return answerSlowly(claims, status);
    },
  );

  app.get(
    '/v1/queue/stream',
    {
      preHandler: app.requireQueueToken,
      schema: { response: { 200: EventStream, ...problemResponses(401, 429, 503) } },
    },
    async (request, reply) => {
      // Read before any byte is sent: a Redis failure is still a problem+json 503, not a broken stream.
      const claims = request.claims!;
      const first = await app.soldOut.withSoldOut(claims.concertId, await app.queue.pollToken(claims));
      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        // Proxies such as nginx would otherwise buffer the events.
        .header('x-accel-buffering', 'no')
        // The connection ends with the stream: a closing server then has no half-idle socket to wait
        // out (it waited for the 30 s connection timeout), and a reconnect opens a fresh one anyway.
        .header('connection', 'close');
      // A stream body: the schema's string type describes the document, not what is serialized.
      return reply.send(app.streams.open(claims, first) as unknown as string);
    },
  );

  app.delete(
    '/v1/queue/tokens/current',
    {
      preHandler: app.requireQueueToken,
      schema: { response: { 204: NoBody, ...problemResponses(401, 429, 503) } },
    },
    async (request, reply) => {
      await app.queue.expireToken(request.claims!, 'leave');
      app.replicas.noteWrite(request.claims!.concertId);
      return reply.status(204).send(null);
    },
  );
};

export default queueRoutes;

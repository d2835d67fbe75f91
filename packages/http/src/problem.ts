import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, type FieldError, titleFor, ValidationError } from './errors.ts';
import { toFieldErrors } from './validation.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

/** Maps anything thrown to the contract's problem+json; the single place errors become responses. */
export function toProblem(
  error: unknown,
  isDependencyError: (error: unknown) => boolean = () => false,
): { problem: Problem; retryAfterSeconds?: number; isServerError: boolean } {
  const make = (status: number, code: string, detail: string, errors?: FieldError[]): Problem => ({
    type: `https://concert.example/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: titleFor(status),
    status,
    detail,
    code,
    ...(errors ? { errors } : {}),
  });

  if (error instanceof ValidationError) {
    return { problem: make(400, error.code, error.detail, error.errors), isServerError: false };
  }
  if (error instanceof AppError) {
    return {
      problem: make(error.statusCode, error.code, error.detail),
      retryAfterSeconds: error.retryAfterSeconds,
      isServerError: error.statusCode >= 500,
    };
  }
  const fe = error as FastifyError & { validation?: unknown; validationContext?: string };
  if (fe?.validation) {
    const errors = toFieldErrors(fe.validation as Parameters<typeof toFieldErrors>[0]);
    const part = fe.validationContext ?? 'request';
    return { problem: make(400, 'VALIDATION_ERROR', `the ${part} is invalid`, errors), isServerError: false };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors: bad JSON, wrong content type, empty body, oversized body.
    if (status === 413)
      return { problem: make(413, 'PAYLOAD_TOO_LARGE', 'the body is too large'), isServerError: false };
    if (status === 404) return { problem: make(404, 'NOT_FOUND', 'no such route'), isServerError: false };
    if (status === 429) {
      return { problem: make(429, 'RATE_LIMITED', 'too many requests; retry later'), isServerError: false };
    }
    const detail =
      fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'the body must be JSON (Content-Type: application/json)'
        : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? 'the JSON body is empty'
          : 'the request is malformed';
    return {
      problem: make(400, 'VALIDATION_ERROR', detail, [{ path: '', message: detail }]),
      isServerError: false,
    };
  }
  if (isDependencyError(error)) {
    return {
      problem: make(503, 'UNAVAILABLE', 'a dependency is unavailable; retry shortly'),
      retryAfterSeconds: 2,
      isServerError: true,
    };
  }
  return { problem: make(500, 'INTERNAL', 'an unexpected error occurred'), isServerError: true };
}

export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number) {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  // Sent pre-serialized: a problem must reach the client even where a route declared no schema for it.
  return reply.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

export interface ProblemJsonOptions {
  /** Tells a down dependency (Redis, MySQL) apart from a bug: the former answers 503, the latter 500. */
  isDependencyError?: (error: unknown) => boolean;
}

async function problemJson(app: FastifyInstance, opts: ProblemJsonOptions) {
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const { problem, retryAfterSeconds, isServerError } = toProblem(error, opts.isDependencyError);
    if (isServerError) {
      request.log.error({ err: error, reqId: request.id, url: request.url }, 'request failed');
    }
    return sendProblem(reply, problem, retryAfterSeconds);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'https://concert.example/problems/not-found',
      title: titleFor(404),
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
      code: 'NOT_FOUND',
    }),
  );
}

export default fp(problemJson, { name: 'problem-json', fastify: '5.x' });

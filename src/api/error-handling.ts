/**
 * One error body for every failure: `{status:'error', error, message, field?, correlation_id?}`. Schema
 * failures name the offending input as `<part>.<path>` (e.g. `querystring.limit`, `body.thresholds.0.window_seconds`).
 * Server faults are logged with their cause and answered without internals, with the correlation id to quote.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiApp } from './api-context.js';
import {
  ApiError,
  ForbiddenError,
  RateLimitedError,
  ValidationFailedError,
  type ApiBodyError,
} from './api-errors.js';
import { maskForLog } from './log-masking.js';

interface SchemaIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

interface ErrorBody {
  status: 'error';
  error: ApiBodyError;
  message: string;
  field?: string;
  correlation_id?: string;
  retry_after_seconds?: number;
  required_role?: string;
  role?: string;
}

/** `querystring` + `/thresholds/0/window_seconds` (+ a missing property) → `querystring.thresholds.0.window_seconds`. */
export function fieldOf(context: string | undefined, issue: SchemaIssue | undefined): string {
  const parts = [context ?? 'body'];
  const path = (issue?.instancePath ?? '').split('/').filter((segment) => segment !== '');
  parts.push(...path.map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~')));
  const missing = issue?.params?.missingProperty;
  if (issue?.keyword === 'required' && typeof missing === 'string') parts.push(missing.replace(/^\./, ''));
  return parts.join('.');
}

function describeIssue(
  field: string,
  issue: SchemaIssue | undefined,
  issues: readonly SchemaIssue[],
): string {
  if (issue === undefined) return `${field} is invalid`;
  if (issue.keyword === 'required') return `${field} is required`;
  const allowed = issue.params?.allowedValues;
  if (Array.isArray(allowed)) return `${field} must be one of ${allowed.join(', ')}`;
  if (issue.keyword === 'const') {
    // A union of literals fails once per branch: list every accepted value instead of the first.
    const values = issues
      .filter((other) => other.keyword === 'const' && other.instancePath === issue.instancePath)
      .map((other) => String(other.params?.allowedValue));
    return `${field} must be one of ${values.join(', ')}`;
  }
  return `${field} ${issue.message ?? 'is invalid'}`;
}

const PAYLOAD_TOO_LARGE_CODES = new Set([
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_REQ_FILE_TOO_LARGE',
  'FST_FILES_LIMIT',
  'FST_PARTS_LIMIT',
  'FST_FIELDS_LIMIT',
]);

function bodyFor(error: FastifyError, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (error.validation !== undefined) {
    // Ajv stops at the first issue (allErrors is off); for a union it reports the last branch, so prefer
    // an issue that names a path over the union's own summary.
    const issues = error.validation as SchemaIssue[];
    const issue = issues.find((candidate) => candidate.keyword !== 'anyOf') ?? issues[0];
    const field = fieldOf(error.validationContext, issue);
    return {
      status: 400,
      body: {
        status: 'error',
        error: 'validation_failed',
        message: describeIssue(field, issue, issues),
        field,
      },
    };
  }
  if (error instanceof ValidationFailedError) {
    return {
      status: 400,
      body: { status: 'error', error: error.bodyError, message: error.message, field: error.field },
    };
  }
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      body: {
        status: 'error',
        error: error.bodyError,
        message: error.message,
        retry_after_seconds: error.retryAfterSeconds,
      },
    };
  }
  if (error instanceof ForbiddenError) {
    return {
      status: 403,
      body: {
        status: 'error',
        error: error.bodyError,
        message: error.message,
        required_role: error.requiredRole,
        role: error.role,
      },
    };
  }
  if (error instanceof ApiError && error.statusCode < 500) {
    return {
      status: error.statusCode,
      body: { status: 'error', error: error.bodyError, message: error.message },
    };
  }
  if (error instanceof ApiError && error.statusCode === 503) {
    return {
      status: 503,
      body: {
        status: 'error',
        error: error.bodyError,
        message: error.message,
        correlation_id: String(request.id),
      },
    };
  }
  if (error.code !== undefined && PAYLOAD_TOO_LARGE_CODES.has(error.code)) {
    return { status: 413, body: { status: 'error', error: 'payload_too_large', message: error.message } };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      status: 415,
      body: { status: 'error', error: 'unsupported_media_type', message: error.message },
    };
  }
  if (
    error.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' ||
    error.code?.startsWith('FST_ERR_CTP_') === true
  ) {
    return {
      status: 400,
      body: { status: 'error', error: 'validation_failed', message: error.message, field: 'body' },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, body: { status: 'error', error: 'bad_request', message: error.message } };
  }
  return {
    status: 500,
    body: {
      status: 'error',
      error: 'internal_error',
      message: 'internal error; quote the correlation id when reporting it',
      correlation_id: String(request.id),
    },
  };
}

export function registerErrorHandling(app: ApiApp): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = bodyFor(error, request);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // Messages can quote the rejected value (a number, a URL): mask before it reaches the log.
    else if (status !== 401)
      request.log.info({ error: body.error, field: body.field, status }, maskForLog(body.message));
    if (error instanceof RateLimitedError) void reply.header('retry-after', String(error.retryAfterSeconds));
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      status: 'error',
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });
}

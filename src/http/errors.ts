import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Every error code the HTTP API answers with, and its default HTTP status. */
export const API_ERRORS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** A flow file was refused at reload; the running version stays in service. */
  IVR_FLOW_INVALID: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/** Throw from a route to answer `{"error":{"code","message"}}` with the code's status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    statusCode?: number,
  ) {
    super(message);
    this.statusCode = statusCode ?? API_ERRORS[code];
  }
}

const CODE_BY_STATUS = new Map<number, ApiErrorCode>(
  Object.entries(API_ERRORS).map(([code, status]) => [status, code as ApiErrorCode]),
);

/** Maps anything a route or fastify itself throws onto the catalogue. Unknown 5xx errors hide their message. */
export function toApiError(err: FastifyError | Error): ApiError {
  if (err instanceof ApiError) return err;
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  if ('validation' in err && err.validation !== undefined) return new ApiError('BAD_REQUEST', err.message, 400);
  if (status >= 400 && status < 500) {
    return new ApiError(CODE_BY_STATUS.get(status) ?? 'BAD_REQUEST', err.message, status);
  }
  return new ApiError('INTERNAL', 'Internal server error', 500);
}

/** Installs the error and not-found handlers that answer with {@link ApiErrorBody}. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(err);
    if (apiError.statusCode >= 500) request.log.error({ err }, 'request failed');
    return reply.code(apiError.statusCode).send(errorBody(apiError));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(errorBody(new ApiError('NOT_FOUND', `Route ${request.method} ${request.url} not found`))),
  );
}

function errorBody(err: ApiError): ApiErrorBody {
  return { error: { code: err.code, message: err.message } };
}

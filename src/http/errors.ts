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
  TOO_MANY_REQUESTS: 429,
  // CTI (src/cti): what an integrator branches on
  /** No token, a malformed one, or one with a bad signature. */
  CTI_UNAUTHENTICATED: 401,
  /** The token was good once and has expired: get a new one. */
  CTI_TOKEN_EXPIRED: 401,
  /** Agent id/password or API key not accepted. */
  CTI_BAD_CREDENTIALS: 401,
  /** The token lacks the scope, or the agent/team is not the caller's. */
  CTI_FORBIDDEN: 403,
  /** The token belongs to another tenant. */
  CTI_TENANT_FORBIDDEN: 403,
  /** A browser page from an origin not in cti.allowedOrigins. */
  CTI_ORIGIN_FORBIDDEN: 403,
  CTI_AGENT_NOT_FOUND: 404,
  CTI_CALL_NOT_FOUND: 404,
  CTI_QUEUE_NOT_FOUND: 404,
  CTI_WEBHOOK_NOT_FOUND: 404,
  /** The call or agent is not in a state that allows this (hold a call that is ringing, ready while on a call…). */
  CTI_INVALID_STATE: 409,
  /** A transfer, consult, click-to-dial or supervision target that cannot be dialled or did not answer. */
  CTI_TARGET_UNREACHABLE: 422,
  /** No recording in progress for the call. */
  CTI_NO_RECORDING: 409,
  /** No such recording, or one the caller may not hear (its existence is not revealed). */
  CTI_RECORDING_NOT_FOUND: 404,
  /** The recording's row says complete but its file is not on disk. */
  CTI_RECORDING_FILE_MISSING: 404,
  /** The retention policy deleted the recording's audio; the metadata stays. */
  CTI_RECORDING_PURGED: 410,
  /** A recordings search the schema accepts but that makes no sense (from after to, a bad cursor…). */
  CTI_RECORDING_QUERY_INVALID: 400,
  /** The Range header asks for bytes the file does not have (the Content-Range header gives the size). */
  CTI_RANGE_NOT_SATISFIABLE: 416,
  /** A playback ticket that is malformed, tampered with, or for another recording. */
  CTI_TICKET_INVALID: 401,
  /** A playback ticket past its expiry: ask for a new one. */
  CTI_TICKET_EXPIRED: 401,
  /** The database (recordings, their audit) is unreachable: try again. */
  CTI_RECORDINGS_UNAVAILABLE: 503,
  /** The listen/download could not be audited, so no audio was sent. */
  CTI_RECORDING_AUDIT_FAILED: 503,
  /** A report or call-record query the schema accepts but that makes no sense (from after to, too many intervals, a bad cursor). */
  CTI_REPORT_QUERY_INVALID: 400,
  /** The records database is unreachable: try again. */
  CTI_REPORTS_UNAVAILABLE: 503,
  CTI_CAMPAIGN_NOT_FOUND: 404,
  /** A campaign with that id exists already. */
  CTI_CAMPAIGN_EXISTS: 409,
  /** A campaign the schema accepts but the server cannot run (an unknown queue, a country without a numbering plan). */
  CTI_CAMPAIGN_INVALID: 400,
  /** A contact list that cannot be read on (an unterminated quote, a row over the size limit): the message gives the line. */
  CTI_CONTACTS_INVALID: 400,
  /** A phone number that is not one (the message says why). */
  CTI_NUMBER_INVALID: 400,
  CTI_CONTACT_NOT_FOUND: 404,
  /** A disposition that cannot be: a callback without a time or in the past, an outcome the campaign does not have. */
  CTI_DISPOSITION_INVALID: 400,
  /** A disposition for a contact nobody has talked to yet. */
  CTI_CONTACT_NOT_REACHED: 409,
  CTI_RATE_LIMITED: 429,
  /** Known and refused for a stated reason (the message says which). */
  CTI_NOT_SUPPORTED: 501,
  /** Redis (live state) is unreachable: nothing was changed, try again. */
  CTI_UNAVAILABLE: 503,
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
    /** `cause`: the domain error behind it (a caller that needs its detail, such as the dialer). */
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.statusCode = statusCode ?? API_ERRORS[code];
  }
}

/** The generic code of each status (the first listed), for errors fastify or a plugin throws itself. */
const CODE_BY_STATUS = new Map<number, ApiErrorCode>();
for (const [code, status] of Object.entries(API_ERRORS)) if (!CODE_BY_STATUS.has(status)) CODE_BY_STATUS.set(status, code as ApiErrorCode);

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
    // a refused WebSocket upgrade: answer, then close the socket (it never becomes a WebSocket, and must not linger)
    if ((request.headers.upgrade ?? '').toLowerCase() === 'websocket') {
      void reply.header('connection', 'close');
      reply.raw.once('finish', () => request.raw.socket.destroy());
    }
    return reply.code(apiError.statusCode).send(errorBody(apiError));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(errorBody(new ApiError('NOT_FOUND', `Route ${request.method} ${request.url} not found`))),
  );
}

function errorBody(err: ApiError): ApiErrorBody {
  return { error: { code: err.code, message: err.message } };
}

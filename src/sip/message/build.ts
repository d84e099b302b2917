/**
 * Builders for the messages the stack originates: responses to a request
 * (RFC 3261 §8.2.6), tags, branches and Call-IDs.
 */
import { randomBytes } from 'node:crypto';
import { SipResponse, type SipRequest } from './message.js';
import { BRANCH_COOKIE, parseNameAddr } from './headers.js';

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  600: 'Busy Everywhere',
  603: 'Decline',
};

// Tags, branches and Call-IDs are drawn from a pool refilled 4 KiB at a time:
// one call into the CSPRNG per few hundred tokens instead of one per token.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

/** Random token of `bytes` bytes as hex (tags, Call-IDs). */
export function randomToken(bytes = 8): string {
  if (bytes > POOL_SIZE) return randomBytes(bytes).toString('hex');
  if (poolOffset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const token = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

export function newBranch(): string {
  return BRANCH_COOKIE + randomToken(10);
}

/**
 * A response to `req`: Via, From, To, Call-ID and CSeq copied (raw, so even a
 * request with a malformed header can be answered), To-tag added when given
 * and absent.
 */
export function createResponse(req: SipRequest, status: number, reason?: string, toTag?: string): SipResponse {
  const res = new SipResponse(status, reason ?? REASONS[status] ?? 'Unknown');
  for (const h of req.headers) {
    if (h.name === 'via' || h.name === 'from' || h.name === 'call-id' || h.name === 'cseq') res.headers.push({ ...h });
    else if (h.name === 'to') {
      // look for a tag header parameter, not ';tag=' inside a quoted display name or the URI
      const to = toTag !== undefined && status > 100 ? parseNameAddr(h.value) : undefined;
      const hasTag = to !== undefined ? to.params.has('tag') : /;\s*tag\s*=/i.test(h.value);
      const needsTag = toTag !== undefined && status > 100 && !hasTag;
      res.headers.push({ name: 'to', value: needsTag ? `${h.value};tag=${toTag}` : h.value });
    } else if (h.name === 'record-route' && status >= 101 && status < 300) res.headers.push({ ...h });
  }
  return res;
}

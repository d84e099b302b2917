/**
 * Checks on a REGISTER made before authentication: only what a malformed
 * request gets refused for, so nothing here tells who exists.
 */
import type { SipRequest } from '../message/message.js';
import { contactSyntaxError } from './contacts.js';

export interface RegisterTarget {
  /** The To user ('' when the To URI has none). */
  user: string;
  /** scheme:user@host[:port] of the To URI. */
  aor: string;
  callId: string;
  cseq: number;
}

export interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

const bad = (detail: string): Refusal => ({ status: 400, reason: `Bad Request (${detail})` });

export function checkRegister(req: SipRequest): RegisterTarget | Refusal {
  const to = req.to;
  if (to === undefined) return bad('Malformed To');
  // RFC 4475 unksm2: an AOR must be a SIP URI.
  if (to.uri.scheme !== 'sip' && to.uri.scheme !== 'sips') return bad('To must be a SIP URI');
  const callId = req.callId.trim();
  if (callId.length === 0) return bad('Missing Call-ID');
  const cseq = req.cseq;
  if (cseq === undefined) return bad('Malformed CSeq');
  const contactError = contactSyntaxError(req);
  if (contactError !== undefined) return bad(contactError);
  // §10.3 step 2: we support no extension a client could require.
  const required = req.getAll('require').flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  if (required.length > 0) return { status: 420, reason: 'Bad Extension', headers: { unsupported: required.join(', ') } };
  const { scheme, user = '', host, port } = to.uri;
  const aor = `${scheme}:${user}${user === '' ? '' : '@'}${host.toLowerCase()}${port === undefined ? '' : `:${port}`}`;
  return { user, aor, callId, cseq: cseq.seq };
}

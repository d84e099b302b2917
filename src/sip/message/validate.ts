/**
 * Checks a parsed request must pass before the transaction layer sees it
 * (RFC 3261 §8.2 and §16.3 basics). The result says how to refuse it.
 */
import type { SipRequest } from './message.js';
import { parseBoundedInt } from './grammar.js';

export interface Refusal {
  status: number;
  reason: string;
  code: string;
}

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const SINGLE = ['call-id', 'from', 'to', 'cseq', 'max-forwards', 'content-type'] as const;

function refuse(code: string, detail: string, status = 400): Refusal {
  return { status, reason: status === 400 ? `Bad Request (${detail})` : detail, code };
}

export function validateRequest(req: SipRequest): Refusal | undefined {
  // one pass over the headers (this runs for every request received)
  const counts: Record<string, number> = { via: 0, from: 0, to: 0, 'call-id': 0, cseq: 0, 'max-forwards': 0, 'content-type': 0 };
  for (const h of req.headers) if (counts[h.name] !== undefined) counts[h.name]!++;
  for (const name of REQUIRED) if (counts[name] === 0) return refuse('SIP_MISSING_HEADER', `Missing ${name}`);
  for (const name of SINGLE) if (counts[name]! > 1) return refuse('SIP_DUPLICATE_HEADER', `Multiple ${name} values`);
  if (req.callId.length === 0) return refuse('SIP_BAD_HEADER', 'Empty Call-ID');
  const vias = req.vias;
  if (vias.length === 0 || vias.some((v) => v === undefined)) return refuse('SIP_BAD_VIA', 'Malformed Via');
  if (req.from === undefined) return refuse('SIP_BAD_FROM', 'Malformed From');
  if (req.to === undefined) return refuse('SIP_BAD_TO', 'Malformed To');
  if (req.has('contact') && req.contacts.some((c) => c === undefined)) return refuse('SIP_BAD_CONTACT', 'Malformed Contact');
  const cseq = req.cseq;
  if (cseq === undefined) return refuse('SIP_BAD_CSEQ', 'Malformed CSeq');
  if (cseq.method !== req.method) return refuse('SIP_CSEQ_MISMATCH', 'CSeq method does not match');
  const mf = req.get('max-forwards');
  if (mf !== undefined && parseBoundedInt(mf, Number.MAX_SAFE_INTEGER) === undefined)
    return refuse('SIP_BAD_HEADER', 'Malformed Max-Forwards');
  const uri = req.uri;
  if (uri === undefined) return refuse('SIP_BAD_REQUEST_URI', 'Malformed Request-URI');
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips' && uri.scheme !== 'tel')
    return refuse('SIP_UNSUPPORTED_URI_SCHEME', 'Unsupported URI Scheme', 416);
  if (uri.headers !== undefined) return refuse('SIP_BAD_REQUEST_URI', 'Headers in Request-URI');
  return undefined;
}

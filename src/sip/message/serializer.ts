/**
 * Model → wire. Content-Length is always written from the actual body.
 */
import { canonicalHeaderName } from './header-names.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';

export function serialize(m: SipMessage): Buffer {
  if (m.wire !== undefined) return m.wire;
  let head = '';
  if (m instanceof SipRequest) head = `${m.method} ${m.uriText} SIP/2.0\r\n`;
  else if (m instanceof SipResponse) head = `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const h of m.headers) {
    if (h.name === 'content-length') continue;
    head += `${canonicalHeaderName(h.name)}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${m.body.length}\r\n\r\n`;
  if (m.body.length === 0) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), m.body]);
}

/**
 * A copy of a response reduced to its bytes plus the few headers a
 * transaction still reads (To for its tag, CSeq): what a server transaction
 * keeps for retransmissions during Timers G–L, instead of the whole parsed
 * message graph. At thousands of calls per second over 32 s windows this is
 * the difference between kilobytes and megabytes of live heap per second.
 */
export function frozenCopy(res: SipResponse): SipResponse {
  if (res.wire !== undefined) return res;
  const copy = new SipResponse(res.status, res.reason);
  copy.wire = serialize(res);
  for (const name of ['to', 'cseq'] as const) {
    const value = res.get(name);
    if (value !== undefined) copy.headers.push({ name, value: detach(value) });
  }
  return copy;
}

/**
 * A copy of a string that shares no memory with the string it came from.
 * Substrings of a parsed message keep the whole message text alive in V8
 * (sliced strings); what is kept for long must not.
 */
export function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/**
 * Model → wire. Content-Length is always written from the actual body.
 */
import { canonicalHeaderName } from './header-names.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';

export function serialize(m: SipMessage): Buffer {
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

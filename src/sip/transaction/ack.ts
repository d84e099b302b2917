/**
 * The ACK an INVITE client transaction generates for a 300–699 response
 * (RFC 3261 §17.1.1.3). ACKs for 2xx are end-to-end and built by the dialog layer.
 */
import { SipRequest, type SipResponse } from '../message/index.js';

/**
 * Request-URI, Call-ID, From and the single top Via (hence the branch) of the
 * INVITE; To from the response (it carries the UAS tag); CSeq number of the
 * INVITE with method ACK; the INVITE's Route headers. No body.
 */
export function buildNonSuccessAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uriText);
  const headers = ack.headers;
  const via = invite.get('via');
  if (via !== undefined) headers.push({ name: 'via', value: via });
  for (const h of invite.headers) if (h.name === 'route') headers.push({ name: 'route', value: h.value });
  headers.push({ name: 'max-forwards', value: '70' });
  const from = invite.get('from');
  if (from !== undefined) headers.push({ name: 'from', value: from });
  const to = response.get('to') ?? invite.get('to');
  if (to !== undefined) headers.push({ name: 'to', value: to });
  headers.push({ name: 'call-id', value: invite.callId });
  headers.push({ name: 'cseq', value: `${invite.cseq?.seq ?? 0} ACK` });
  return ack;
}

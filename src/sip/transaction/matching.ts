/**
 * Transaction keys (RFC 3261 §17.1.3 and §17.2.3) and where a server
 * transaction sends its responses (§18.2.2, RFC 3581). Keys are plain strings
 * so the layer's Maps do the matching in one lookup.
 */
import { BRANCH_COOKIE, bareHost, type CSeq, type SipRequest, type Via } from '../message/index.js';
import type { Destination } from '../transport/types.js';

const SEP = '\u0001';
/** Prefix of keys built by the RFC 2543 rules, so they never collide with branch keys. */
const LEGACY = '\u0002';

export function hasCookie(branch: string | null | undefined): branch is string {
  // the bare cookie (RFC 4475 badbranch) carries no identifier: match it the RFC 2543 way
  return typeof branch === 'string' && branch.length > BRANCH_COOKIE.length && branch.startsWith(BRANCH_COOKIE);
}

/** Client side: top Via branch + CSeq method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return branch + SEP + method;
}

function sentBy(via: Via): string {
  return via.port === undefined ? via.host.toLowerCase() : `${via.host.toLowerCase()}:${via.port}`;
}

/**
 * Server side (§17.2.3). `method` is the transaction's method: INVITE for an
 * ACK (it belongs to the INVITE's transaction), CANCEL for a CANCEL, INVITE
 * to find the INVITE a CANCEL targets (§9.2).
 *
 * With the magic cookie: branch + sent-by + method. Without (RFC 2543):
 * Request-URI, To tag, From tag, Call-ID, CSeq number, top Via and method.
 * For an RFC 2543 ACK the caller passes the To tag it expects on the INVITE
 * and checks the response's To tag itself.
 */
export function serverKey(req: SipRequest, via: Via, cseq: CSeq, method: string, toTag: string | undefined): string {
  const branch = via.params.get('branch');
  if (hasCookie(branch)) return branch + SEP + sentBy(via) + SEP + method;
  return (
    LEGACY + method + SEP + req.uriText + SEP + (toTag ?? '') + SEP + (req.fromTag ?? '') + SEP +
    req.callId + SEP + cseq.seq + SEP + via.transport + SEP + sentBy(via) + SEP + (branch ?? '')
  );
}

/**
 * Where responses of a server transaction go. Connection-oriented: back over
 * the connection the request came on (`source`, with its `connectionId`).
 * UDP: the top Via's `received` (else the packet's source address) and its
 * `rport` (a bare `rport` means the packet's source port), else the sent-by
 * port, else 5060.
 */
export function responseDestination(via: Via, source: Destination): Destination {
  if (source.protocol !== 'UDP') return source;
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  let port: number;
  if (rport === null) port = source.port;
  else if (rport !== undefined && /^[0-9]{1,5}$/.test(rport) && Number(rport) >= 1 && Number(rport) <= 65535) port = Number(rport);
  else port = via.port ?? 5060;
  const address = typeof received === 'string' && received.length > 0 ? bareHost(received) : source.address;
  return { protocol: 'UDP', address, port };
}

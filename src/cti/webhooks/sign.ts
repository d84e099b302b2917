/**
 * Webhook signatures: HMAC-SHA256 with the webhook's secret over
 * `<unix seconds>.<body>`, sent as
 *
 *   X-Hotline-Signature: t=1718000000,v1=5f1c…(64 hex)
 *   X-Hotline-Timestamp: 1718000000
 *   X-Hotline-Event-Id:   1718000000123-0
 *   X-Hotline-Event-Type: agent.ready
 *   Idempotency-Key:      <webhookId>:<eventId>
 *
 * Every attempt is signed afresh (a retry carries a new timestamp), so a
 * receiver can refuse old signatures (replays) with a small tolerance. The
 * Idempotency-Key is the same on every attempt of one event to one webhook:
 * deliveries are at least once, and a receiver that must not act twice
 * remembers the keys it has seen.
 *
 * A receiver checks a request like this (the raw body, before any JSON
 * parsing re-serialises it):
 *
 *   // verifySignature below needs only node:crypto: copy it into the receiver
 *   const ok = verifySignature(secret, req.headers['x-hotline-signature'], rawBody, 300);
 *   if (!ok) return res.writeHead(401).end();
 *   // then dedupe on req.headers['idempotency-key'] and answer 2xx quickly
 *
 * Pure: no I/O, the time is a parameter.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA256 of `${timestamp}.${body}` with `secret`. */
export function sign(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface SignatureInput {
  secret: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  body: string;
  /** Unix time, seconds. */
  timestamp: number;
}

/** The headers of one delivery attempt. */
export function signatureHeaders(input: SignatureInput): Record<string, string> {
  const t = String(input.timestamp);
  return {
    'X-Hotline-Signature': `t=${t},v1=${sign(input.secret, input.timestamp, input.body)}`,
    'X-Hotline-Timestamp': t,
    'X-Hotline-Event-Id': input.eventId,
    'X-Hotline-Event-Type': input.eventType,
    'Idempotency-Key': `${input.webhookId}:${input.eventId}`,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * For receivers: true when `header` (X-Hotline-Signature) carries a v1
 * signature of `body` with `secret`, made at most `toleranceS` seconds from
 * `now` (unix seconds). Several v1= entries are allowed (any one matching is
 * enough); unknown schemes are ignored.
 */
export function verifySignature(
  secret: string,
  header: string | string[] | undefined,
  body: string,
  toleranceS: number,
  now: number = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof header !== 'string') return false;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && HEX64.test(v)) v1.push(v);
  }
  if (t === undefined || v1.length === 0) return false;
  if (Math.abs(now - t) > toleranceS) return false;
  const expected = Buffer.from(sign(secret, t, body), 'hex');
  return v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}

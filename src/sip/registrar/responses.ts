/**
 * The registrar's responses to REGISTER (RFC 3261 §10.3).
 */
import { createResponse, randomToken } from '../message/build.js';
import { quote } from '../message/grammar.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { remainingSeconds } from './binding.js';
import type { Binding } from './types.js';

/** A final response with a To-tag and the given extra header lines (one per array element). */
export function reply(
  req: SipRequest,
  status: number,
  reason?: string,
  headers: Record<string, string | readonly string[]> = {},
): SipResponse {
  const res = createResponse(req, status, reason, randomToken());
  for (const [name, value] of Object.entries(headers)) {
    for (const v of typeof value === 'string' ? [value] : value) res.append(name, v);
  }
  return res;
}

/** `<uri>;expires=N` plus q, +sip.instance and reg-id when set. */
export function formatBindingContact(b: Binding, now: number): string {
  let out = `<${b.uri}>;expires=${remainingSeconds(b, now)}`;
  if (b.q !== 1) out += `;q=${b.q}`;
  if (b.sipInstance !== undefined) out += `;+sip.instance=${quote(b.sipInstance)}`;
  if (b.regId !== undefined) out += `;reg-id=${b.regId}`;
  return out;
}

/** 200 OK listing every current binding (§10.3 step 8) with a Date header. */
export function okWithBindings(req: SipRequest, bindings: readonly Binding[], now: number): SipResponse {
  return reply(req, 200, undefined, {
    contact: bindings.map((b) => formatBindingContact(b, now)),
    date: new Date(now).toUTCString(),
  });
}

/**
 * What a REGISTER asks for (RFC 3261 §10.2/§10.3 step 6): its Contact header
 * fields and expiry values turned into a plan, before anything is stored.
 */
import { splitOutside, unquote } from '../message/grammar.js';
import { parseNameAddr } from '../message/headers.js';
import type { SipRequest } from '../message/message.js';
import type { SipUri } from '../message/uri.js';
import type { ExpiresPolicy } from './types.js';

export interface ContactRequest {
  /** The URI exactly as sent (without the `<>`). */
  uri: string;
  /** Normalised form used to find an existing binding for this contact. */
  key: string;
  /** Seconds, already clamped to the policy's max; 0 removes the binding. */
  expires: number;
  q: number;
  sipInstance?: string;
  regId?: string;
}

export type ContactPlan =
  | { kind: 'query' }
  | { kind: 'wildcard' }
  | { kind: 'update'; contacts: ContactRequest[] }
  | { kind: 'reject'; status: 400 | 423; reason: string };

const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;
const REG_ID = /^[0-9]{1,10}$/;

/**
 * delta-seconds, or undefined when absent. Values beyond `max` and garbage
 * (RFC 4475 scalar02 style) count as `max`; no arithmetic can overflow.
 */
export function parseDeltaSeconds(raw: string | null | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const t = raw?.trim() ?? '';
  if (!/^[0-9]+$/.test(t)) return max;
  const digits = t.replace(/^0+(?=[0-9])/, '');
  return digits.length > 15 ? max : Math.min(Number(digits), max);
}

function unescapePct(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * A key under which equal contact URIs (RFC 3261 §19.1.4) meet: scheme, host
 * and parameter values compared case-insensitively, escapes resolved, parameter
 * and header order ignored. Stricter than §19.1.4 in one way: a parameter
 * present in only one of two URIs makes them different.
 */
export function contactKey(uri: SipUri): string {
  let key = `${uri.scheme}:`;
  if (uri.user !== undefined) key += unescapePct(uri.user) + (uri.password !== undefined ? `:${uri.password}` : '') + '@';
  key += uri.host.toLowerCase();
  if (uri.port !== undefined) key += `:${uri.port}`;
  const params = [...uri.params].map(([k, v]) => (v === null ? k : `${k}=${unescapePct(v).toLowerCase()}`));
  key += params.sort().map((p) => `;${p}`).join('');
  if (uri.headers !== undefined) key += '?' + uri.headers.split('&').map(unescapePct).sort().join('&');
  return key;
}

/** The URI text of a Contact value as written: inside `<>`, or up to the first `;` of an addr-spec. */
export function rawContactUri(value: string): string {
  const v = value.trim();
  let inQuote = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') {
      const gt = v.indexOf('>', i);
      return v.slice(i + 1, gt < 0 ? v.length : gt);
    }
  }
  return splitOutside(v, ';')[0] ?? v;
}

/** Syntax problem with the Contact header fields, if any (checked before authentication). */
export function contactSyntaxError(req: SipRequest): string | undefined {
  const values = req.getAll('contact');
  if (values.some((v) => parseNameAddr(v) === undefined)) return 'Malformed Contact';
  return undefined;
}

/** Turns the Contact and Expires header fields into a plan (§10.3 step 6). */
export function planContacts(req: SipRequest, policy: ExpiresPolicy): ContactPlan {
  const values = req.getAll('contact');
  if (values.length === 0) return { kind: 'query' };
  const headerExpires = parseDeltaSeconds(req.get('expires'), policy.max);
  const contacts: ContactRequest[] = [];
  for (const value of values) {
    const na = parseNameAddr(value);
    if (na === undefined) return reject400('Malformed Contact');
    if (na.wildcard === true) {
      if (values.length !== 1) return reject400('Wildcard Contact must be alone');
      if (headerExpires !== 0) return reject400('Wildcard Contact requires Expires: 0');
      return { kind: 'wildcard' };
    }
    if (na.uri.scheme !== 'sip' && na.uri.scheme !== 'sips') return reject400('Contact must be a SIP URI');
    const expires = parseDeltaSeconds(na.params.get('expires'), policy.max) ?? headerExpires ?? policy.default;
    if (expires > 0 && expires < policy.min) return { kind: 'reject', status: 423, reason: 'Interval Too Brief' };
    const q = na.params.get('q');
    const contact: ContactRequest = {
      uri: rawContactUri(value),
      key: contactKey(na.uri),
      expires: Math.min(expires, policy.max),
      q: q !== undefined && q !== null && QVALUE.test(q) ? Number(q) : 1,
    };
    const instance = na.params.get('+sip.instance');
    if (instance !== undefined && instance !== null) contact.sipInstance = unquote(instance) ?? instance;
    const regId = na.params.get('reg-id');
    if (regId !== undefined && regId !== null && REG_ID.test(regId)) contact.regId = regId;
    contacts.push(contact);
  }
  return { kind: 'update', contacts };
}

function reject400(detail: string): ContactPlan {
  return { kind: 'reject', status: 400, reason: `Bad Request (${detail})` };
}

/**
 * Bindings as stored in Redis (JSON) and as handed out (sorted).
 */
import type { Destination, TransportProtocol } from '../transport/types.js';
import type { Binding } from './types.js';

const PROTOCOLS: readonly string[] = ['UDP', 'TCP', 'WS', 'WSS'] satisfies TransportProtocol[];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseSource(v: unknown): Destination | undefined {
  if (!isObject(v)) return undefined;
  const { protocol, address, port, connectionId } = v;
  if (!isString(protocol) || !PROTOCOLS.includes(protocol) || !isString(address) || !isNumber(port)) return undefined;
  const source: Destination = { protocol: protocol as TransportProtocol, address, port };
  if (isString(connectionId)) source.connectionId = connectionId;
  return source;
}

/** A stored binding, or undefined when the JSON is not one (such entries are ignored). */
export function parseBinding(json: string): Binding | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const { aor, uri, expiresAt, q, callId, cseq, instanceId, updatedAt } = v;
  const source = parseSource(v.source);
  if (!isString(aor) || !isString(uri) || !isString(callId) || !isString(instanceId) || source === undefined)
    return undefined;
  if (!isNumber(expiresAt) || !isNumber(q) || !isNumber(cseq) || !isNumber(updatedAt)) return undefined;
  const binding: Binding = { aor, uri, expiresAt, q, callId, cseq, source, instanceId, updatedAt };
  if (isString(v.userAgent)) binding.userAgent = v.userAgent;
  if (isString(v.sipInstance)) binding.sipInstance = v.sipInstance;
  if (isString(v.regId)) binding.regId = v.regId;
  return binding;
}

/** Highest q first, then the most recently updated. */
export function sortBindings(bindings: Binding[]): Binding[] {
  return bindings.sort((a, b) => b.q - a.q || b.updatedAt - a.updatedAt);
}

/** Remaining lifetime in whole seconds (a live binding never shows 0). */
export function remainingSeconds(binding: Binding, now: number): number {
  return Math.max(0, Math.ceil((binding.expiresAt - now) / 1000));
}

/**
 * The IVR `http` node ("data dip"): POST the call's variables to an operator's
 * URL and map fields of the JSON answer into call variables (e.g. look the
 * caller up by account number for the agent's screen pop). The URL and the
 * answer are outside our control, so every failure is a coded result: dip()
 * never throws and always settles by timeoutMs (connect to last byte) or at
 * once when the caller hangs up.
 */

export interface DipRequest {
  url: string; // http: or https: only
  method?: 'POST' | 'GET'; // default POST; GET sends no body
  body: Record<string, unknown>; // JSON body for POST
  headers?: Record<string, string>;
  timeoutMs: number; // whole exchange, connect to last byte
  maxBytes?: number; // response cap, default 65536
  map: Record<string, string>; // variable name → path in the JSON answer: "balance", "account.owner.name", "items.0.id"
  signal?: AbortSignal; // caller hung up: abort at once
}

export type DipErrorCode =
  | 'DIP_TIMEOUT'
  | 'DIP_HTTP_STATUS'
  | 'DIP_NOT_JSON'
  | 'DIP_TOO_LARGE'
  | 'DIP_NETWORK'
  | 'DIP_BAD_FIELD'
  | 'DIP_ABORTED';

export type DipResult =
  | { ok: true; status: number; variables: Record<string, string>; missing: string[] /* mapped vars whose path was absent */; ms: number }
  | { ok: false; code: DipErrorCode; message: string; status?: number; ms: number };

/** A result before `ms` is stamped on it. */
type WithoutMs<T> = T extends unknown ? Omit<T, 'ms'> : never;
type Outcome = WithoutMs<DipResult>;
type Failure = Extract<Outcome, { ok: false }>;

const DEFAULT_MAX_BYTES = 65_536;
const MAX_FIELD_CHARS = 1024;

export async function dip(req: DipRequest): Promise<DipResult> {
  const started = performance.now();
  const outcome = await settle(req);
  return { ...outcome, ms: Math.round(performance.now() - started) };
}

/** Value at a dotted path ("a.b.0.c"); undefined when absent. Exported for tests. */
export function pick(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    current = child(current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

function child(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return /^\d+$/.test(key) ? (value as unknown[])[Number(key)] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function fail(code: DipErrorCode, message: string, status?: number): Failure {
  return status === undefined ? { ok: false, code, message } : { ok: false, code, message, status };
}

/** Runs the exchange under the guard; whichever ends first wins, and the request is always torn down. */
async function settle(req: DipRequest): Promise<Outcome> {
  if (req.signal?.aborted) return fail('DIP_ABORTED', 'caller hung up before the request');
  const target = checkUrl(req.url);
  if (typeof target !== 'string') return target;
  const g = guard(req);
  try {
    return await Promise.race([g.stopped, exchange(req, target, g)]);
  } finally {
    g.dispose();
  }
}

function checkUrl(raw: string): string | Failure {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('DIP_NETWORK', 'invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('DIP_NETWORK', `unsupported URL scheme ${url.protocol}`);
  }
  return url.href;
}

interface Guard {
  signal: AbortSignal;
  /** Resolves with DIP_TIMEOUT / DIP_ABORTED when either fires; never rejects. */
  stopped: Promise<Failure>;
  /** The stop result once one fired, so a racing fetch rejection maps to it. */
  reason(): Failure | undefined;
  dispose(): void;
}

/** One AbortController fed by the timeout and the caller's signal. */
function guard(req: DipRequest): Guard {
  const controller = new AbortController();
  let reason: Failure | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<Failure>((resolve) => {
    const stop = (why: Failure): void => {
      reason ??= why;
      controller.abort();
      resolve(reason);
    };
    timer = setTimeout(() => stop(fail('DIP_TIMEOUT', `no complete answer within ${req.timeoutMs} ms`)), Math.max(0, req.timeoutMs));
    onAbort = () => stop(fail('DIP_ABORTED', 'caller hung up'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const dispose = (): void => {
    clearTimeout(timer);
    if (onAbort) req.signal?.removeEventListener('abort', onAbort);
    controller.abort(); // frees the connection if anything is still in flight
  };
  return { signal: controller.signal, stopped, reason: () => reason, dispose };
}

/** fetch + read + parse + map; never rejects. */
async function exchange(req: DipRequest, url: string, g: Guard): Promise<Outcome> {
  try {
    const res = await fetch(url, init(req, g.signal));
    if (res.status < 200 || res.status > 299) {
      void res.body?.cancel().catch(() => undefined);
      return fail('DIP_HTTP_STATUS', `HTTP ${res.status}`, res.status);
    }
    const bytes = await readCapped(res, req.maxBytes ?? DEFAULT_MAX_BYTES);
    if (bytes === undefined) return fail('DIP_TOO_LARGE', `answer over ${req.maxBytes ?? DEFAULT_MAX_BYTES} bytes`, res.status);
    const answer = parseObject(bytes);
    if (answer === undefined) return fail('DIP_NOT_JSON', 'answer is not a JSON object', res.status);
    return mapFields(answer, req.map, res.status);
  } catch (err) {
    return g.reason() ?? fail('DIP_NETWORK', networkMessage(err));
  }
}

function init(req: DipRequest, signal: AbortSignal): RequestInit {
  const headers = new Headers(req.headers);
  headers.set('Accept', 'application/json');
  headers.set('User-Agent', 'hotline-ivr');
  if (req.method === 'GET') return { method: 'GET', headers, signal, redirect: 'follow' };
  headers.set('Content-Type', 'application/json');
  return { method: 'POST', headers, body: JSON.stringify(req.body), signal, redirect: 'follow' };
}

/** The body's bytes, or undefined once they pass maxBytes (the read is cancelled there). */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!res.body) return new Uint8Array(0);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/** What dip() would make of a parsed answer (the simulator's scripted answers go through the same rules). */
export function mapAnswer(answer: unknown, map: Record<string, string>, status = 200): DipResult {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { ...fail('DIP_NOT_JSON', 'the answer is not a JSON object', status), ms: 0 };
  return { ...mapFields(answer as Record<string, unknown>, map, status), ms: 0 };
}

function mapFields(answer: Record<string, unknown>, map: Record<string, string>, status: number): Outcome {
  const variables: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, path] of Object.entries(map)) {
    const value = pick(answer, path);
    if (value === undefined || value === null) {
      missing.push(name);
      continue;
    }
    const text = fieldText(value);
    if (text === undefined) return fail('DIP_BAD_FIELD', `${name}: ${path} is not a short string, number or boolean`, status);
    variables[name] = text;
  }
  return { ok: true, status, variables, missing };
}

function fieldText(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string' || value.length > MAX_FIELD_CHARS) return undefined;
  return stripControl(value);
}

/** Drops U+0000–U+001F (tabs and newlines too: these end up in SIP headers and screen pops). */
function stripControl(text: string): string {
  let out = '';
  for (const ch of text) if (ch.charCodeAt(0) >= 0x20) out += ch;
  return out;
}

function networkMessage(err: unknown): string {
  if (!(err instanceof Error)) return 'request failed';
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}

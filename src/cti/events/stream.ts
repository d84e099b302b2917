/**
 * The CTI event stream in Redis: one Stream every instance appends to and
 * every instance tails. Clients resume from an event id, so what they missed
 * while disconnected (dropped Wi-Fi, a server restart) is read back from here.
 *
 *   publisher ──XADD (publish.lua, dedupe)──▶ cti:events ──XREAD BLOCK──▶ tail ──▶ fan-out ──▶ WebSockets, webhooks
 *                                                 └──XRANGE (since, now]──▶ replay to one subscription
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadLuaScript } from '../../store/lua.js';
import type { RedisKeys } from '../../store/redis.js';
import type { CtiEvent, NewEvent } from './types.js';

const PUBLISH = loadLuaScript('publish.lua', new URL('./lua/x.js', import.meta.url).href);

/** One entry as read back: the event, its JSON (id included), and the WebSocket message carrying it, each built once for every client. */
export interface StreamEvent {
  event: CtiEvent;
  json: string;
  message: string;
}

/** The key builder of everything CTI keeps in Redis. */
export class CtiKeys {
  constructor(private readonly keys: RedisKeys) {}
  events(): string {
    return this.keys.key('cti', 'events');
  }
  dedupe(key: string): string {
    return this.keys.key('cti', 'dedupe', key);
  }
  webhooks(): string {
    return this.keys.key('cti', 'webhooks');
  }
  secret(): string {
    return this.keys.key('cti', 'jwt-secret');
  }
}

/** Compares stream ids ("ms-seq"): negative when a is older. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const dm = BigInt(am) - BigInt(bm);
  if (dm !== 0n) return dm < 0n ? -1 : 1;
  const ds = BigInt(as) - BigInt(bs);
  return ds === 0n ? 0 : ds < 0n ? -1 : 1;
}

const ID = /^\d{1,20}-\d{1,20}$/;
export function isStreamId(id: string): boolean {
  return ID.test(id);
}

/** One stream entry (field `e`: the event JSON without its id) as a {@link StreamEvent}; undefined if it is not one. */
export function decodeEntry(id: string, fields: readonly string[] | null): StreamEvent | undefined {
  if (fields === null) return undefined;
  const i = fields.indexOf('e');
  const body = i >= 0 ? fields[i + 1] : undefined;
  if (body === undefined || !body.startsWith('{')) return undefined;
  try {
    const json = body === '{}' ? `{"id":"${id}"}` : `{"id":"${id}",${body.slice(1)}`;
    return { event: JSON.parse(json) as CtiEvent, json, message: `{"op":"event","event":${json}}` };
  } catch {
    return undefined;
  }
}

export class EventStream {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: CtiKeys,
    private readonly opts: { maxLen: number; dedupeTtlMs?: number; logger?: Logger },
  ) {
    this.key = keys.events();
  }

  /**
   * Append an event; resolves to its id, or undefined when `dedupe` named an
   * event some instance published already.
   */
  async publish(event: NewEvent, dedupe?: string): Promise<string | undefined> {
    const id = (await this.redis.eval(
      PUBLISH,
      2,
      this.key,
      dedupe === undefined ? '' : this.keys.dedupe(dedupe),
      String(this.opts.maxLen),
      String(this.opts.dedupeTtlMs ?? 60_000),
      JSON.stringify(event),
    )) as string | null;
    return id ?? undefined;
  }

  /** The newest id in the stream ("0-0" when empty). */
  async lastId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return last[0]?.[0] ?? '0-0';
  }

  /** The oldest id still kept (undefined when empty). */
  async firstId(): Promise<string | undefined> {
    const first = (await this.redis.xrange(this.key, '-', '+', 'COUNT', 1)) as [string, string[]][];
    return first[0]?.[0];
  }

  /** Events after `after` up to and including `until`, oldest first, `count` at most. */
  async range(after: string, until: string, count: number): Promise<StreamEvent[]> {
    const rows = (await this.redis.xrange(this.key, `(${after}`, until, 'COUNT', count)) as [string, string[]][];
    return rows.flatMap(([id, fields]) => decodeEntry(id, fields) ?? []);
  }

  /**
   * Reads new entries after `after` forever on its own connection (XREAD
   * BLOCK), handing each batch to `onBatch`, until `signal` aborts. A Redis
   * outage is retried; nothing after the last id seen is skipped.
   */
  async tail(after: string, onBatch: (events: StreamEvent[], lastId: string) => void, signal: AbortSignal): Promise<void> {
    const reader = this.redis.duplicate();
    // connection errors surface as failed reads below (retried); without a listener ioredis prints them as unhandled
    reader.on('error', () => undefined);
    const stop = (): void => reader.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    let last = after;
    try {
      while (!signal.aborted) {
        try {
          const res = (await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', this.key, last));
          const rows = res?.[0]?.[1];
          if (rows === undefined || rows.length === 0) continue;
          last = rows[rows.length - 1]![0];
          onBatch(
            rows.flatMap(([id, fields]) => decodeEntry(id, fields) ?? []),
            last,
          );
        } catch (err) {
          if (signal.aborted) break;
          this.opts.logger?.warn({ err, code: 'CTI_STREAM_UNAVAILABLE' }, 'event stream read failed: retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      signal.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }
}

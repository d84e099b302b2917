/**
 * Webhooks: the URLs integrators registered, per event type, in one Redis
 * hash every instance reads (id → JSON {id, url, events, secret, createdAt,
 * active}). The secret is kept to sign deliveries; the API shows it once,
 * when the webhook is created.
 *
 * A webhook whose receiver answered 410 Gone is kept, inactive: it gets no
 * more deliveries, and GET /v1/webhooks shows why deliveries stopped.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadLuaScript } from '../../store/lua.js';
import type { RedisKeys } from '../../store/redis.js';
import { CtiKeys } from '../events/stream.js';
import { EVENT_TYPES } from '../events/types.js';

const DEACTIVATE = loadLuaScript('deactivate.lua', new URL('./lua/x.js', import.meta.url).href);

export interface Webhook {
  id: string;
  url: string;
  /** Event types, or ['*'] for every event. */
  events: string[];
  secret: string;
  createdAt: string;
  active: boolean;
}

export type WebhookView = Omit<Webhook, 'secret'>;

export interface NewWebhook {
  url: string;
  events: readonly string[];
  /** At least 16 characters; generated (32 random bytes, hex) when absent. */
  secret?: string | undefined;
}

export const MAX_URL_LENGTH = 2048;
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;
/** Recent deliveries kept per webhook for GET /v1/webhooks/:id/deliveries. */
export const RECENT_DELIVERIES = 100;
/** As long as BullMQ keeps a failed job (removeOnFail). */
const RECENT_TTL_MS = 7 * 86_400_000;

/** A webhook refused at registration; the message says why. */
export class WebhookInvalid extends Error {
  override readonly name = 'WebhookInvalid';
}

/** Every key of the webhooks, built from the server's one key builder. */
export class WebhookKeys {
  private readonly cti: CtiKeys;
  constructor(private readonly keys: RedisKeys) {
    this.cti = new CtiKeys(keys);
  }
  hooks(): string {
    return this.cti.webhooks();
  }
  /** The event ids last queued for one webhook, newest first. */
  recent(id: string): string {
    return this.keys.key('cti', 'webhooks', 'recent', id);
  }
  /** BullMQ's `prefix` option: its keys are `<prefix>:<queue>:…`, inside the server's prefix. */
  bullPrefix(): string {
    return this.keys.key('bull');
  }
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Checks a registration; throws {@link WebhookInvalid}. */
export function validateWebhook(input: NewWebhook): { url: string; events: string[]; secret: string | undefined } {
  const { url, events, secret } = input;
  if (url.length > MAX_URL_LENGTH) throw new WebhookInvalid(`url is longer than ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookInvalid('url is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookInvalid('url must be http:// or https://');
  if (parsed.hostname === '') throw new WebhookInvalid('url has no host');
  if (events.length === 0) throw new WebhookInvalid('events must name at least one event type, or be ["*"]');
  if (events.includes('*')) {
    if (events.length !== 1) throw new WebhookInvalid('"*" stands for every event: it must be alone');
  } else {
    const unknown = events.filter((e) => !KNOWN_TYPES.has(e));
    if (unknown.length > 0) throw new WebhookInvalid(`unknown event types: ${unknown.join(', ')} (see GET /v1/events/catalogue)`);
    if (new Set(events).size !== events.length) throw new WebhookInvalid('events lists a type twice');
  }
  if (secret !== undefined && (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH)) {
    throw new WebhookInvalid(`secret must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters`);
  }
  return { url, events: [...events], secret };
}

/** Does the webhook ask for events of this type? */
export function wantsEvent(hook: Pick<Webhook, 'events'>, type: string): boolean {
  return hook.events.includes('*') || hook.events.includes(type);
}

export function viewOf(hook: Webhook): WebhookView {
  return { id: hook.id, url: hook.url, events: [...hook.events], createdAt: hook.createdAt, active: hook.active };
}

function parse(json: string | null | undefined): Webhook | undefined {
  if (json === null || json === undefined) return undefined;
  try {
    const w = JSON.parse(json) as Partial<Webhook>;
    if (typeof w.id !== 'string' || typeof w.url !== 'string' || !Array.isArray(w.events) || typeof w.secret !== 'string') return undefined;
    return { id: w.id, url: w.url, events: w.events, secret: w.secret, createdAt: w.createdAt ?? '', active: w.active !== false };
  } catch {
    return undefined;
  }
}

export class WebhookRegistry {
  constructor(
    private readonly redis: Redis,
    readonly keys: WebhookKeys,
  ) {}

  async create(input: NewWebhook, now: Date = new Date()): Promise<Webhook> {
    const v = validateWebhook(input);
    const hook: Webhook = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      url: v.url,
      events: v.events,
      secret: v.secret ?? randomBytes(32).toString('hex'),
      createdAt: now.toISOString(),
      active: true,
    };
    await this.redis.hset(this.keys.hooks(), hook.id, JSON.stringify(hook));
    return hook;
  }

  /** Every webhook, oldest first. */
  async list(): Promise<Webhook[]> {
    const all = await this.redis.hgetall(this.keys.hooks());
    return Object.values(all)
      .flatMap((json) => parse(json) ?? [])
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async get(id: string): Promise<Webhook | undefined> {
    return parse(await this.redis.hget(this.keys.hooks(), id));
  }

  /** Remove a webhook; deliveries still queued for it are dropped by the worker. */
  async delete(id: string): Promise<boolean> {
    const [[, removed] = []] = (await this.redis.multi().hdel(this.keys.hooks(), id).del(this.keys.recent(id)).exec()) ?? [];
    return removed === 1;
  }

  /** No more deliveries (the receiver answered 410 Gone). False when it was gone or inactive already. */
  async deactivate(id: string): Promise<boolean> {
    return (await this.redis.eval(DEACTIVATE, 1, this.keys.hooks(), id)) === 1;
  }

  /** Remember which events were queued for which webhooks (newest first, {@link RECENT_DELIVERIES} kept). */
  async noteQueued(pairs: readonly { webhookId: string; eventId: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    const byHook = new Map<string, string[]>();
    for (const p of pairs) {
      let ids = byHook.get(p.webhookId);
      if (ids === undefined) byHook.set(p.webhookId, (ids = []));
      ids.push(p.eventId);
    }
    const m = this.redis.multi();
    // the expiry bounds a list a concurrent delete missed (its jobs are gone by then anyway)
    for (const [id, eventIds] of byHook) {
      const key = this.keys.recent(id);
      m.lpush(key, ...eventIds).ltrim(key, 0, RECENT_DELIVERIES - 1).pexpire(key, RECENT_TTL_MS);
    }
    await m.exec();
  }

  /** The event ids last queued for a webhook, newest first, each once. */
  async recentEvents(id: string, limit: number): Promise<string[]> {
    const ids = await this.redis.lrange(this.keys.recent(id), 0, RECENT_DELIVERIES - 1);
    return [...new Set(ids)].slice(0, limit);
  }
}

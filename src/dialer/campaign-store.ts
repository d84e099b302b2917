/**
 * Campaigns and their contacts in Redis (one key builder, DialerKeys):
 *
 *   dialer:campaigns                 set of campaign ids
 *   dialer:campaign:<id>             the campaign (JSON)
 *   dialer:contacts:<id>             hash contact id → contact (JSON: number, zone, fields, attempts, last disposition)
 *   dialer:numbers:<id>              hash E.164 → contact id (one contact per number and campaign, across uploads)
 *   dialer:ready:<id>                zset contact id by when it may be dialled next (ms)
 *
 * A contact already in the campaign (same id, or same number) is not added
 * twice by a later upload: it keeps its attempts and history.
 */
import type { Redis } from 'ioredis';
import { loadLuaScript } from '../store/lua.js';
import type { RedisKeys } from '../store/redis.js';
import { canMove, type Campaign, type CampaignInputT, type CampaignStatus } from './campaign.js';
import type { Disposition } from './compliance.js';
import type { Contact } from './lists/import.js';

const SET_STATUS = loadLuaScript('set-status.lua', new URL('./lua/x.js', import.meta.url).href);

export class DialerKeys {
  constructor(private readonly keys: RedisKeys) {}
  campaigns(): string {
    return this.keys.key('dialer', 'campaigns');
  }
  campaign(id: string): string {
    return this.keys.key('dialer', 'campaign', id);
  }
  contacts(id: string): string {
    return this.keys.key('dialer', 'contacts', id);
  }
  numbers(id: string): string {
    return this.keys.key('dialer', 'numbers', id);
  }
  ready(id: string): string {
    return this.keys.key('dialer', 'ready', id);
  }
}

export interface StoredContact extends Contact {
  attempts: number;
  lastAttemptAt?: number;
  lastDisposition?: Disposition;
  callbackAt?: number;
}

/** DIALER_CAMPAIGN_EXISTS, DIALER_CAMPAIGN_NOT_FOUND, DIALER_INVALID_STATE (the lifecycle forbids the move). */
export class DialerError extends Error {
  override readonly name = 'DialerError';
  constructor(
    readonly code: 'DIALER_CAMPAIGN_EXISTS' | 'DIALER_CAMPAIGN_NOT_FOUND' | 'DIALER_INVALID_STATE',
    message: string,
  ) {
    super(message);
  }
}

export class CampaignStore {
  readonly keys: DialerKeys;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.keys = new DialerKeys(keys);
  }

  async create(input: CampaignInputT, now = new Date()): Promise<Campaign> {
    const c: Campaign = { ...input, status: 'draft', createdAt: now.toISOString(), updatedAt: now.toISOString() };
    const set = await this.redis.set(this.keys.campaign(c.id), JSON.stringify(c), 'NX');
    if (set !== 'OK') throw new DialerError('DIALER_CAMPAIGN_EXISTS', `campaign ${c.id} exists`);
    await this.redis.sadd(this.keys.campaigns(), c.id);
    return c;
  }

  async get(id: string): Promise<Campaign | undefined> {
    const raw = await this.redis.get(this.keys.campaign(id));
    return raw === null ? undefined : (JSON.parse(raw) as Campaign);
  }

  async require(id: string): Promise<Campaign> {
    const c = await this.get(id);
    if (c === undefined) throw new DialerError('DIALER_CAMPAIGN_NOT_FOUND', `no campaign ${id}`);
    return c;
  }

  async list(): Promise<Campaign[]> {
    const ids = (await this.redis.smembers(this.keys.campaigns())).sort();
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.campaign(id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Campaign);
  }

  /** start / pause / stop, as the lifecycle allows (atomic). */
  async setStatus(id: string, to: CampaignStatus, now = new Date()): Promise<Campaign> {
    const from = (['draft', 'running', 'paused', 'stopped'] as const).filter((s) => canMove(s, to));
    const r = (await this.redis.eval(SET_STATUS, 1, this.keys.campaign(id), to, from.join(','), now.toISOString())) as string[];
    if (r[0] === 'GONE') throw new DialerError('DIALER_CAMPAIGN_NOT_FOUND', `no campaign ${id}`);
    if (r[0] === 'WRONG_STATE') throw new DialerError('DIALER_INVALID_STATE', `campaign ${id} is ${r[1] ?? '?'}: it cannot be ${to === 'running' ? 'started' : to}`);
    return JSON.parse(r[1] ?? '{}') as Campaign;
  }

  /**
   * Adds a batch of imported contacts (new ones only: HSETNX on the number and the id),
   * ready at `readyAt`. Returns how many were new.
   */
  async addContacts(id: string, contacts: readonly Contact[], readyAt: number): Promise<number> {
    if (contacts.length === 0) return 0;
    const claim = this.redis.multi();
    for (const c of contacts) claim.hsetnx(this.keys.numbers(id), c.e164, c.id);
    const claimed = ((await claim.exec()) ?? []).map(([, v]) => v === 1);
    const write = this.redis.multi();
    let added = 0;
    contacts.forEach((c, i) => {
      if (claimed[i] !== true) return;
      const stored: StoredContact = { ...c, attempts: 0 };
      write.hsetnx(this.keys.contacts(id), c.id, JSON.stringify(stored));
      write.zadd(this.keys.ready(id), 'NX', readyAt, c.id);
      added += 1;
    });
    if (added > 0) await write.exec();
    return added;
  }

  async contact(id: string, contactId: string): Promise<StoredContact | undefined> {
    const raw = await this.redis.hget(this.keys.contacts(id), contactId);
    return raw === null ? undefined : (JSON.parse(raw) as StoredContact);
  }

  async saveContact(id: string, c: StoredContact): Promise<void> {
    await this.redis.hset(this.keys.contacts(id), c.id, JSON.stringify(c));
  }

  async counts(id: string): Promise<{ contacts: number; ready: number }> {
    const [[, contacts], [, ready]] = (await this.redis.multi().hlen(this.keys.contacts(id)).zcard(this.keys.ready(id)).exec()) as [[Error | null, number], [Error | null, number]];
    return { contacts, ready };
  }
}

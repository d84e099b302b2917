/**
 * Campaigns and their contacts in Redis (one key builder, DialerKeys):
 *
 *   dialer:campaigns                 set of campaign ids
 *   dialer:campaign:<id>             the campaign (JSON)
 *   dialer:contacts:<id>             hash contact id → contact (JSON: number, zone, fields, attempts, last disposition)
 *   dialer:numbers:<id>              hash E.164 → contact id (one contact per number and campaign, across uploads)
 *   dialer:ready:<id>                zset contact id by when it may be dialled next (ms)
 *   dialer:agentdisp:<id>            hash contact id → the disposition an agent set (JSON, with its attempt)
 *   dialer:leases:<id>               zset contact id by when it was taken to be dialled (the engine's)
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

const LUA_DIR = new URL('./lua/x.js', import.meta.url).href;
const SET_STATUS = loadLuaScript('set-status.lua', LUA_DIR);
const SETTLE = loadLuaScript('settle.lua', LUA_DIR);
const APPLY_AGENT_DISPOSITION = loadLuaScript('apply-agent-disposition.lua', LUA_DIR);

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
  leases(id: string): string {
    return this.keys.key('dialer', 'leases', id);
  }
  agentDispositions(id: string): string {
    return this.keys.key('dialer', 'agentdisp', id);
  }
}

/** What an agent may say of a contact once they have talked. */
export type AgentOutcome = 'completed' | 'callback' | 'dnc' | 'wrong-number';

export const CONTACT_DISPOSITION: Readonly<Record<AgentOutcome, Disposition>> = {
  completed: 'answered',
  callback: 'callback',
  dnc: 'dnc',
  'wrong-number': 'invalid-number',
};

export interface AgentDisposition {
  /** The attempt it is about. */
  attempt: number;
  disposition: AgentOutcome;
  contactDisposition: Disposition;
  /** The campaign's own label ("sale"). */
  outcome?: string;
  note?: string;
  /** ms; set for a callback. */
  callbackAt?: number;
  /** The agent (or the supervisor's principal) who set it. */
  by: string;
  at: number;
}

export interface StoredContact extends Contact {
  attempts: number;
  lastAttemptAt?: number;
  lastDisposition?: Disposition;
  /** A callback the customer asked for (ms): dialled then, even inside the gap. */
  callbackAt?: number;
  /** The agent and the call of the last attempt that reached one. */
  lastAgentId?: string;
  /** The attempt on which lastAgentId talked to the contact. */
  lastAgentAttempt?: number;
  lastCallId?: string;
  agentDisposition?: AgentDisposition;
}

/** The contact without its booked callback (spent once it is dialled: the gap applies again). */
export function withoutCallback(c: StoredContact): StoredContact {
  const { callbackAt: _spent, ...rest } = c;
  return rest;
}

/** The dialer's refusals; the CTI API maps each to a coded HTTP error. */
export class DialerError extends Error {
  override readonly name = 'DialerError';
  constructor(
    readonly code:
      | 'DIALER_CAMPAIGN_EXISTS'
      | 'DIALER_CAMPAIGN_NOT_FOUND'
      | 'DIALER_INVALID_STATE'
      | 'DIALER_CONTACT_NOT_FOUND'
      | 'DIALER_NOT_REACHED'
      | 'DIALER_DISPOSITION_INVALID'
      | 'DIALER_NOTHING_TO_PREVIEW',
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

  /** Every contact, those waiting their turn (ready), those being dialled (leased) and the rest (done): one round trip. */
  async contactStates(id: string): Promise<{ total: number; waiting: number; dialing: number; done: number }> {
    const r = (await this.redis.multi().hlen(this.keys.contacts(id)).zcard(this.keys.ready(id)).zcard(this.keys.leases(id)).exec()) ?? [];
    const [total, waiting, dialing] = r.map(([e, v]) => {
      if (e !== null) throw e;
      return Number(v);
    }) as [number, number, number];
    return { total, waiting, dialing, done: Math.max(0, total - waiting - dialing) };
  }

  /**
   * The end of an attempt (settle.lua): the contact saved, its lease given back, and in line
   * again at `nextAt` (undefined: not again), unless an agent's disposition for this attempt
   * decides instead. Returns who decided and the contact as saved.
   */
  async settle(id: string, c: StoredContact, nextAt: number | undefined): Promise<{ by: 'dialer' | 'agent'; contact: StoredContact }> {
    const k = this.keys;
    const r = (await this.redis.eval(SETTLE, 4, k.contacts(id), k.leases(id), k.ready(id), k.agentDispositions(id), c.id, JSON.stringify(c), String(c.attempts), nextAt === undefined ? '' : String(nextAt))) as [string, string];
    return { by: r[0] === 'agent' ? 'agent' : 'dialer', contact: fromLua(r[1]) };
  }

  /** An agent's disposition (apply-agent-disposition.lua): applied now, or when the attempt's call ends. */
  async applyAgentDisposition(id: string, contactId: string, ad: AgentDisposition): Promise<'gone' | 'pending' | StoredContact> {
    const k = this.keys;
    const r = (await this.redis.eval(APPLY_AGENT_DISPOSITION, 4, k.contacts(id), k.leases(id), k.ready(id), k.agentDispositions(id), contactId, JSON.stringify(ad))) as string[];
    if (r[0] === 'GONE') return 'gone';
    if (r[0] === 'PENDING') return 'pending';
    return fromLua(r[1] ?? '{}');
  }
}

/** cjson writes an empty object as `{}` but cannot tell an empty array from it: fields stay an object. */
function fromLua(json: string): StoredContact {
  const c = JSON.parse(json) as StoredContact;
  if (Array.isArray(c.fields)) c.fields = {};
  return c;
}

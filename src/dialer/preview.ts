/**
 * Preview mode: the agent sees the contact first, then dials or skips it.
 *
 *   next ──▶ held for the agent (holdMs) ──dial──▶ click-to-dial, counted and settled like any attempt
 *                                         ├─skip──▶ back in line after the gap, uncounted
 *                                         └─time──▶ back in line now (expire, on the engine's tick)
 *
 * A held contact keeps its lease (no instance paces it meanwhile), and its
 * hold is a field of `dialer:preview:<campaign>` (agent id → contact, until).
 * Taking a hold is an HDEL, so one request (or the expiry) wins it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Call } from '../calls/call.js';
import { DialError } from '../calls/dial.js';
import { ClickToDialError } from '../calls/manager.js';
import type { Campaign } from './campaign.js';
import { DialerError, withoutCallback, type CampaignStore, type StoredContact } from './campaign-store.js';
import { dispositionOfDial, mayDial, type CallingRules } from './compliance.js';
import type { DncList } from './dnc.js';
import type { AnsweredOutcome } from './answered.js';
import type { OutboundEvent } from './events.js';
import type { CampaignStats } from './stats.js';
import type { TrunkPacer } from './trunk-pacer.js';

/** What the desk uses of the engine: its stores, and its claim / release / settle of a contact. */
export interface PreviewDeps {
  store: CampaignStore;
  stats: CampaignStats;
  dnc: DncList;
  redis: Redis;
  pacer?: TrunkPacer;
  /** The campaign's hash of holds. */
  key(campaignId: string): string;
  holdMs: number;
  now(): number;
  rules(c: Campaign): CallingRules;
  claim(c: Campaign, contactId: string, now: number): Promise<StoredContact | undefined>;
  release(campaignId: string, contactId: string, at: number | undefined): Promise<void>;
  settle(c: Campaign, contact: StoredContact, o: AnsweredOutcome, callId: string | undefined): Promise<void>;
  emit(e: OutboundEvent): void;
  wrapUpMs(queue: string): number;
  onExpired?: (agentId: string) => void;
  logger?: Logger;
}

export class PreviewDesk {
  constructor(private readonly d: PreviewDeps) {}

  /** Contacts held now (they hold a lease but no trunk line). */
  async heldCount(campaignId: string): Promise<number> {
    return this.d.redis.hlen(this.d.key(campaignId));
  }

  /**
   * The contact an agent previews next (the one they hold already, if any),
   * held for them for `holdMs`; undefined when nobody is due.
   */
  async next(campaignId: string, agentId: string): Promise<StoredContact | undefined> {
    const c = await this.d.store.require(campaignId);
    if (c.mode !== 'preview' || c.status !== 'running') throw new DialerError('DIALER_INVALID_STATE', `campaign ${c.id} is ${c.status} and ${c.mode}: only a running preview campaign is previewed`);
    const now = this.d.now();
    const held = await this.held(c.id, agentId);
    if (held !== undefined) {
      const contact = await this.d.store.contact(c.id, held);
      if (contact !== undefined) return contact;
    }
    const candidates = await this.d.redis.zrangebyscore(this.d.store.keys.ready(c.id), '-inf', now, 'LIMIT', 0, 20);
    for (const contactId of candidates) {
      const contact = await this.d.claim(c, contactId, now);
      if (contact === undefined) continue;
      if ((await this.d.redis.hsetnx(this.d.key(c.id), agentId, JSON.stringify({ contactId, until: now + this.d.holdMs }))) === 1) return contact;
      // the same agent asked twice at once: the other request's contact is theirs, this one goes back
      await this.d.release(c.id, contactId, now);
      const other = await this.held(c.id, agentId);
      return other === undefined ? undefined : this.d.store.contact(c.id, other);
    }
    return undefined;
  }

  private async held(campaignId: string, agentId: string): Promise<string | undefined> {
    const raw = await this.d.redis.hget(this.d.key(campaignId), agentId);
    return raw === null ? undefined : (JSON.parse(raw) as { contactId: string }).contactId;
  }

  /** Takes the agent's hold on the contact (HDEL: exactly one request, or the expiry, gets it). */
  private async takeHeld(campaignId: string, agentId: string, contactId: string): Promise<StoredContact> {
    const notYours = new DialerError('DIALER_INVALID_STATE', `agent ${agentId} is not previewing contact ${contactId}`);
    if ((await this.held(campaignId, agentId)) !== contactId) throw notYours;
    if ((await this.d.redis.hdel(this.d.key(campaignId), agentId)) !== 1) throw notYours;
    const contact = await this.d.store.contact(campaignId, contactId);
    if (contact === undefined) {
      await this.d.release(campaignId, contactId, undefined);
      throw new DialerError('DIALER_CONTACT_NOT_FOUND', `no contact ${contactId} in campaign ${campaignId}`);
    }
    return contact;
  }

  private async holdAgain(campaignId: string, agentId: string, contactId: string): Promise<void> {
    const set = await this.d.redis.hsetnx(this.d.key(campaignId), agentId, JSON.stringify({ contactId, until: this.d.now() + this.d.holdMs }));
    // they took another contact meanwhile: this one goes back in line
    if (set !== 1) await this.d.release(campaignId, contactId, this.d.now());
  }

  /** Not now: back in line after the campaign's gap, without counting an attempt. */
  async skip(campaignId: string, agentId: string, contactId: string): Promise<void> {
    const c = await this.d.store.require(campaignId);
    await this.takeHeld(c.id, agentId, contactId);
    await this.d.release(c.id, contactId, this.d.now() + c.minGapMinutes * 60_000);
  }

  /**
   * The agent dials the contact they preview: `dial` rings them and the
   * contact (click-to-dial) and resolves with the bridged call. The attempt is
   * counted and settled as any other; a dial that fails throws after settling.
   */
  async dial(
    campaignId: string,
    agentId: string,
    contactId: string,
    dial: (e164: string, callerId: string, variables: Readonly<Record<string, string>>) => Promise<Call>,
  ): Promise<Call> {
    const c = await this.d.store.require(campaignId);
    const held = await this.takeHeld(c.id, agentId, contactId);
    // the hold may have lasted minutes: the rules and the DNC lists again, now
    const v = mayDial({ ...held, tz: held.tz }, this.d.now(), this.d.rules(c), await this.d.dnc.blocked(held.e164, c.id));
    if (!v.ok) {
      await this.d.release(c.id, contactId, v.nextAllowedAt);
      throw new DialerError('DIALER_INVALID_STATE', `contact ${contactId} may not be called now (${v.reason})`);
    }
    if (c.status !== 'running') {
      await this.d.release(c.id, contactId, this.d.now());
      throw new DialerError('DIALER_INVALID_STATE', `campaign ${c.id} is ${c.status}`);
    }
    const attempt = held.attempts + 1;
    const contact: StoredContact = { ...withoutCallback(held), attempts: attempt, lastAttemptAt: this.d.now() };
    await this.d.store.saveContact(c.id, contact);
    await this.d.stats.attempted(c.id, this.d.now());
    const ref = { campaignId: c.id, contactId, attempt, queue: c.queue };
    this.d.emit({ type: 'outbound.dialing', ...ref });
    let call: Call;
    try {
      await this.d.pacer?.take();
      call = await dial(contact.e164, c.callerId, { ...c.variables, ...contact.fields, campaign_id: c.id, contact_id: contactId });
    } catch (err) {
      // the dial's own error, also behind an API error that wraps it
      const dialErr = err instanceof DialError ? err : err instanceof Error && err.cause instanceof DialError ? err.cause : undefined;
      // 'cancelled' on the agent's leg: they hung up while the contact's phone rang (it was called)
      if (dialErr === undefined || (dialErr instanceof ClickToDialError && dialErr.leg === 'agent' && dialErr.reason !== 'cancelled')) {
        // nobody was called (the agent's own phone not reached, the ACD refused them): not counted, still theirs to try again
        await this.d.store.saveContact(c.id, held);
        await this.d.stats.attempted(c.id, this.d.now(), -1);
        await this.holdAgain(c.id, agentId, contactId);
        throw err;
      }
      await this.d.settle(c, contact, { disposition: dispositionOfDial(dialErr.reason), live: false, connected: false }, undefined);
      throw err;
    }
    this.d.emit({ type: 'outbound.answered', ...ref, callId: call.id });
    await this.d.store.saveContact(c.id, { ...contact, lastAgentId: agentId, lastAgentAttempt: attempt, lastCallId: call.id });
    const settleAtEnd = (): void => {
      const handleMs = Math.max(0, (call.endedAt ?? this.d.now()) - (call.connectedAt ?? call.startedAt)) + this.d.wrapUpMs(c.queue);
      void this.d.settle(c, contact, { disposition: 'answered', live: true, connected: true, handleMs, agentId }, call.id).catch((err: unknown) =>
        this.d.logger?.error({ err, code: 'DIALER_STORE_UNAVAILABLE', campaignId: c.id, contactId }, 'attempt outcome not stored'),
      );
    };
    if (call.isEnded()) settleAtEnd();
    else call.once('ended', settleAtEnd);
    return call;
  }

  /** Previews held past their time (the agent went away) go back in line. */
  async expire(c: Campaign): Promise<void> {
    const all = await this.d.redis.hgetall(this.d.key(c.id));
    for (const [agentId, raw] of Object.entries(all)) {
      const h = JSON.parse(raw) as { contactId: string; until: number };
      if (h.until > this.d.now()) continue;
      if ((await this.d.redis.hdel(this.d.key(c.id), agentId)) !== 1) continue;
      await this.d.release(c.id, h.contactId, this.d.now());
      this.d.onExpired?.(agentId);
    }
  }

  /** Is the agent previewing this contact now? */
  async isHolding(campaignId: string, agentId: string | undefined, contactId: string): Promise<boolean> {
    return agentId !== undefined && (await this.held(campaignId, agentId)) === contactId;
  }
}


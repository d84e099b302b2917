/**
 * The registrar for agent phones (RFC 3261 §10.3): authenticates REGISTER,
 * checks it, applies it to Redis in one Lua script and answers with the
 * current bindings. Bindings are shared by every server instance on the same
 * Redis; events are emitted by the instance that made the change.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { DigestAlgorithm } from '../auth/digest.js';
import type { Logger } from '../../log.js';
import type { RedisKeys } from '../../store/redis.js';
import type { DigestAuthenticator, AuthResult } from '../auth/authenticator.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Destination } from '../transport/types.js';
import { sortBindings } from './binding.js';
import { planContacts, type ContactRequest } from './contacts.js';
import { checkRegister, type RegisterTarget } from './request.js';
import { okWithBindings, reply } from './responses.js';
import { BindingStore, type ApplyResult, type StoreChange } from './store.js';
import { RegistrarError, type Binding, type ExpiresPolicy, type RegistrarEvents, type UnregisterReason } from './types.js';

export interface RegistrarOptions {
  redis: Redis;
  keys: RedisKeys;
  authenticator: Pick<DigestAuthenticator, 'authenticate'>;
  /** Whether `user` is a configured agent id. */
  isKnownUser: (user: string) => boolean;
  expires: ExpiresPolicy;
  /** This server instance; recorded in bindings so flows can be found again. */
  instanceId: string;
  /** Digest algorithms to challenge this agent with, when not the authenticator's defaults. */
  algorithmsFor?: (user: string) => readonly DigestAlgorithm[] | undefined;
  now?: () => number;
  logger?: Logger;
}

const MAX_USER_AGENT = 256;

export class Registrar extends EventEmitter<RegistrarEvents> {
  private readonly store: BindingStore;
  private readonly now: () => number;

  constructor(private readonly o: RegistrarOptions) {
    super();
    const { min, max, default: dflt } = o.expires;
    if (![min, max, dflt].every((n) => Number.isSafeInteger(n) && n > 0) || min > dflt || dflt > max)
      throw new RangeError('registrar expires must be positive integers with min <= default <= max');
    this.store = new BindingStore(o.redis, o.keys);
    this.now = o.now ?? Date.now;
  }

  /** Answers a REGISTER. Never throws: Redis trouble is 503 with Retry-After. */
  async handle(req: SipRequest, source: Destination): Promise<SipResponse> {
    try {
      return await this.process(req, source);
    } catch (err) {
      if (err instanceof RegistrarError) {
        this.o.logger?.error({ err, code: err.code, callId: req.callId }, 'REGISTER failed: store unavailable');
        return reply(req, 503, undefined, { 'retry-after': '5' });
      }
      this.o.logger?.error({ err, code: 'REGISTRAR_INTERNAL_ERROR', callId: req.callId }, 'REGISTER failed');
      return reply(req, 500);
    }
  }

  /** Live bindings of `user`, highest q then newest first. Rejects with RegistrarError when Redis is down. */
  lookup(user: string): Promise<Binding[]> {
    return this.store.list(user, this.now());
  }

  /**
   * Removes the bindings made over this instance's connection `connectionId`
   * (call when a TCP/WS connection closes). Resolves to the removed bindings;
   * rejects with RegistrarError when Redis is down.
   */
  async removeFlow(connectionId: string): Promise<Binding[]> {
    const removals = await this.store.removeFlow(this.o.instanceId, connectionId, this.now());
    const removed: Binding[] = [];
    for (const r of removals) {
      for (const b of r.expired) this.unregistered(r.user, b, 'expired');
      for (const b of r.removed) this.unregistered(r.user, b, 'flow-closed');
      removed.push(...r.removed);
    }
    return removed;
  }

  private async process(req: SipRequest, source: Destination): Promise<SipResponse> {
    const target = checkRegister(req);
    if ('status' in target) return reply(req, target.status, target.reason, target.headers);

    const auth = await this.authenticate(req);
    if (!auth.ok) {
      this.o.logger?.debug({ code: auth.code, reason: auth.reason, user: target.user }, 'REGISTER challenged');
      return reply(req, 401, undefined, { 'www-authenticate': auth.challenges });
    }
    if (auth.username !== target.user) return reply(req, 403, 'Forbidden (credentials do not match To)');
    if (!this.o.isKnownUser(target.user)) return reply(req, 404);

    const plan = planContacts(req, this.o.expires);
    if (plan.kind === 'reject') {
      const headers: Record<string, string> = plan.status === 423 ? { 'min-expires': String(this.o.expires.min) } : {};
      return reply(req, plan.status, plan.reason, headers);
    }
    const now = this.now();
    const contacts = plan.kind === 'update' ? plan.contacts : [];
    const changes: StoreChange[] = contacts.map((c) => ({
      key: c.key,
      binding: c.expires === 0 ? null : this.binding(c, target, req, source, now),
    }));
    const { connectionId } = source;
    const result = await this.store.apply({
      user: target.user,
      now,
      callId: target.callId,
      cseq: target.cseq,
      mode: plan.kind,
      changes,
      ...(connectionId === undefined ? {} : { flow: { instanceId: this.o.instanceId, connectionId } }),
    });
    // §10.3 step 7: same Call-ID and a CSeq not above the stored one.
    if (result.status === 'stale') return reply(req, 500, 'Server Internal Error (CSeq out of order)');
    this.emitChanges(target.user, changes, result);
    return okWithBindings(req, sortBindings([...result.after.values()]), now);
  }

  private async authenticate(req: SipRequest): Promise<AuthResult> {
    const user = req.to?.uri.user;
    try {
      return await this.o.authenticator.authenticate({
        method: req.method,
        authorizationHeaders: req.getAll('authorization'),
        algorithms: user !== undefined ? this.o.algorithmsFor?.(user) : undefined,
      });
    } catch (err) {
      throw new RegistrarError('REGISTRAR_AUTH_UNAVAILABLE', 'authenticator failed', { cause: err });
    }
  }

  private binding(c: ContactRequest, t: RegisterTarget, req: SipRequest, source: Destination, now: number): Binding {
    const b: Binding = {
      aor: t.aor,
      uri: c.uri,
      expiresAt: now + c.expires * 1000,
      q: c.q,
      callId: t.callId,
      cseq: t.cseq,
      source: { ...source },
      instanceId: this.o.instanceId,
      updatedAt: now,
    };
    const userAgent = req.get('user-agent');
    if (userAgent !== undefined) b.userAgent = userAgent.slice(0, MAX_USER_AGENT);
    if (c.sipInstance !== undefined) b.sipInstance = c.sipInstance;
    if (c.regId !== undefined) b.regId = c.regId;
    return b;
  }

  private emitChanges(user: string, changes: readonly StoreChange[], result: ApplyResult): void {
    for (const b of result.expired.values()) this.unregistered(user, b, 'expired');
    for (const [key, b] of result.before) {
      if (!result.after.has(key)) this.unregistered(user, b, 'unregistered');
    }
    const seen = new Set<string>();
    for (const { key, binding } of changes) {
      const stored = result.after.get(key);
      if (binding === null || stored === undefined || seen.has(key)) continue;
      seen.add(key);
      this.registered(user, stored, !result.before.has(key));
    }
  }

  private unregistered(user: string, binding: Binding, reason: UnregisterReason): void {
    this.safely('unregistered', () => this.emit('unregistered', user, binding, reason));
  }

  private registered(user: string, binding: Binding, isNew: boolean): void {
    this.safely('registered', () => this.emit('registered', user, binding, isNew));
  }

  /** Emits without letting a listener's exception reach the SIP stack. */
  private safely(event: keyof RegistrarEvents, emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.o.logger?.error({ err, code: 'REGISTRAR_LISTENER_ERROR', event }, 'registrar event listener threw');
    }
  }
}

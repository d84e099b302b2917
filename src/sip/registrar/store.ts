/**
 * Bindings in Redis: one hash per AOR (field = contact key, value = binding
 * JSON), written only by the Lua scripts beside this file so one REGISTER is
 * one atomic change. A set per (instance, connection) indexes the AORs that
 * have bindings over that connection, for removeFlow.
 */
import type { Redis } from 'ioredis';
import { loadLuaScript } from '../../store/lua.js';
import type { RedisKeys } from '../../store/redis.js';
import { parseBinding, sortBindings } from './binding.js';
import { RegistrarError, type Binding } from './types.js';

const APPLY = 'hotlineRegistrarApply';
const REMOVE_FLOW = 'hotlineRegistrarRemoveFlow';

type WithCommands = Redis & {
  [APPLY](aorKey: string, flowKey: string, ...argv: string[]): Promise<unknown>;
  [REMOVE_FLOW](aorKey: string, flowKey: string, ...argv: string[]): Promise<unknown>;
};

export type StoreChange = { key: string; binding: Binding } | { key: string; binding: null };

export interface ApplyInput {
  user: string;
  now: number;
  callId: string;
  cseq: number;
  mode: 'update' | 'wildcard' | 'query';
  /** For 'update': upserts (binding) and removals (null), in request order. */
  changes: StoreChange[];
  /** The connection the REGISTER came on, to index for removeFlow. */
  flow?: { instanceId: string; connectionId: string };
}

/** Bindings keyed by their contact key. */
export type KeyedBindings = Map<string, Binding>;

export interface ApplyResult {
  /** 'stale': same Call-ID with a CSeq not above the stored one; nothing was written. */
  status: 'ok' | 'stale';
  before: KeyedBindings;
  after: KeyedBindings;
  expired: KeyedBindings;
}

export interface FlowRemoval {
  user: string;
  removed: Binding[];
  expired: Binding[];
}

export class BindingStore {
  private readonly redis: WithCommands;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand(APPLY, { lua: loadLuaScript('register.lua', import.meta.url), numberOfKeys: 2 });
    redis.defineCommand(REMOVE_FLOW, { lua: loadLuaScript('remove-flow.lua', import.meta.url), numberOfKeys: 2 });
    this.redis = redis as WithCommands;
  }

  aorKey(user: string): string {
    return this.keys.key('reg', 'aor', user);
  }

  flowKey(instanceId: string, connectionId: string): string {
    return this.keys.key('reg', 'flow', instanceId, connectionId);
  }

  /** Applies one REGISTER atomically (see register.lua). */
  async apply(input: ApplyInput): Promise<ApplyResult> {
    const aorKey = this.aorKey(input.user);
    const flowKey = input.flow === undefined ? aorKey : this.flowKey(input.flow.instanceId, input.flow.connectionId);
    const argv = [String(input.now), input.callId, String(input.cseq), input.mode, input.flow ? input.user : ''];
    for (const c of input.changes) argv.push(c.key, c.binding === null ? '' : JSON.stringify(c.binding));
    const reply = asList(await guard(this.redis[APPLY](aorKey, flowKey, ...argv)));
    const status = reply[0];
    if (status !== 'ok' && status !== 'stale') throw badReply(APPLY);
    return { status, before: keyed(reply[1]), after: keyed(reply[2]), expired: keyed(reply[3]) };
  }

  /** Live bindings of `user`, q desc then newest first. */
  async list(user: string, now: number): Promise<Binding[]> {
    const values = await guard(this.redis.hvals(this.aorKey(user)));
    const live = values.map(parseBinding).filter((b): b is Binding => b !== undefined && b.expiresAt > now);
    return sortBindings(live);
  }

  /** Removes every binding made over this instance's connection `connectionId`. */
  async removeFlow(instanceId: string, connectionId: string, now: number): Promise<FlowRemoval[]> {
    const flowKey = this.flowKey(instanceId, connectionId);
    const users = await guard(this.redis.smembers(flowKey));
    const out: FlowRemoval[] = [];
    for (const user of users) {
      const argv = [String(now), instanceId, connectionId, user];
      const reply = asList(await guard(this.redis[REMOVE_FLOW](this.aorKey(user), flowKey, ...argv)));
      if (reply.length !== 2) throw badReply(REMOVE_FLOW);
      out.push({ user, removed: [...keyed(reply[0]).values()], expired: [...keyed(reply[1]).values()] });
    }
    return out;
  }
}

const asList = (v: unknown): readonly unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

/** A flat (field, json, …) list from a script, as a map; unparseable entries dropped. */
function keyed(reply: unknown): KeyedBindings {
  const out: KeyedBindings = new Map();
  const flat = asList(reply);
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field: unknown = flat[i];
    const json: unknown = flat[i + 1];
    const binding = typeof json === 'string' ? parseBinding(json) : undefined;
    if (typeof field === 'string' && binding !== undefined) out.set(field, binding);
  }
  return out;
}

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw new RegistrarError('REGISTRAR_STORE_UNAVAILABLE', 'registrar store unavailable', { cause: err });
  }
}

function badReply(command: string): RegistrarError {
  return new RegistrarError('REGISTRAR_STORE_UNAVAILABLE', `unexpected reply from ${command}`);
}

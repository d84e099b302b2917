/**
 * Decodes the JSON records the Lua scripts write. Lua's cjson writes an empty
 * array as `{}`, so list fields are normalised here; a record that is not the
 * shape we wrote is refused (undefined), never half-trusted.
 */
import { AGENT_STATES, type AgentLive, type AgentState, type EntryState, type QueueEntry } from '../types.js';
import type { Requirement } from '../../config/acd-schema.js';

type Obj = Record<string, unknown>;

function obj(json: string): Obj | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function record(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v as Obj)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return out;
}

export function parseAgent(json: string): AgentLive | undefined {
  const o = obj(json);
  const id = str(o?.id);
  const state = str(o?.state) as AgentState | undefined;
  if (o === undefined || id === undefined || state === undefined || !AGENT_STATES.includes(state)) return undefined;
  const agent: AgentLive = {
    id,
    state,
    since: num(o.since) ?? 0,
    idleSince: num(o.idleSince) ?? 0,
    offers: strings(o.offers),
    callsTaken: num(o.callsTaken) ?? 0,
    misses: num(o.misses) ?? 0,
    version: num(o.version) ?? 0,
  };
  const reason = str(o.reason);
  if (reason !== undefined) agent.reason = reason;
  const loginAt = num(o.loginAt);
  if (loginAt !== undefined) agent.loginAt = loginAt;
  const call = str(o.call);
  if (call !== undefined) agent.call = call;
  const lastMissAt = num(o.lastMissAt);
  if (lastMissAt !== undefined) agent.lastMissAt = lastMissAt;
  const wrapUntil = num(o.wrapUntil);
  if (wrapUntil !== undefined) agent.wrapUntil = wrapUntil;
  if (o.pendingLogout === true) agent.pendingLogout = true;
  return agent;
}

const ENTRY_STATES: readonly EntryState[] = ['waiting', 'offered', 'connected'];

function requirement(v: unknown): Requirement | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Obj;
  const reqs = (x: unknown) =>
    (Array.isArray(x) ? x : []).flatMap((s: unknown) => {
      if (typeof s !== 'object' || s === null) return [];
      const skill = str((s as Obj).skill);
      const min = num((s as Obj).min);
      return skill === undefined ? [] : [min === undefined ? { skill } : { skill, min }];
    });
  return { allOf: reqs(r.allOf), anyOf: reqs(r.anyOf) };
}

export function parseEntry(json: string): QueueEntry | undefined {
  const o = obj(json);
  const callId = str(o?.callId);
  const queue = str(o?.queue);
  const state = str(o?.state) as EntryState | undefined;
  if (o === undefined || callId === undefined || queue === undefined || state === undefined || !ENTRY_STATES.includes(state)) return undefined;
  const entry: QueueEntry = {
    callId,
    queue,
    priority: num(o.priority) ?? 0,
    enqueuedAt: num(o.enqueuedAt) ?? 0,
    seq: num(o.seq) ?? 0,
    state,
    agents: strings(o.agents),
    owner: str(o.owner) ?? '',
    origPosition: num(o.origPosition) ?? 0,
    variables: record(o.variables),
    version: num(o.version) ?? 0,
  };
  const agent = str(o.agent);
  if (agent !== undefined) entry.agent = agent;
  const caller = str(o.caller);
  if (caller !== undefined) entry.caller = caller;
  const req = requirement(o.requirement);
  if (req !== undefined) entry.requirement = req;
  const queuedAt = num(o.queuedAt);
  if (queuedAt !== undefined) entry.queuedAt = queuedAt;
  const offeredAt = num(o.offeredAt);
  if (offeredAt !== undefined) entry.offeredAt = offeredAt;
  const connectedAt = num(o.connectedAt);
  if (connectedAt !== undefined) entry.connectedAt = connectedAt;
  return entry;
}

/** Journal `data` field: JSON object of strings/numbers, as strings. */
export function parseData(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  return record(obj(json));
}

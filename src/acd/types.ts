/**
 * The ACD's shared vocabulary: what the pure core (src/acd/core) reasons
 * about, what the Redis store (src/acd/store) persists, and what the service
 * emits. Times are ms since the epoch from an injected clock.
 */
import type { QueueConfig, Requirement } from '../config/acd-schema.js';

export type { QueueConfig, Requirement, Strategy, OverflowTarget } from '../config/acd-schema.js';

export type AgentState = 'logged-out' | 'available' | 'reserved' | 'ringing' | 'on-call' | 'on-call-outbound' | 'wrap-up' | 'paused';

export const AGENT_STATES: readonly AgentState[] = ['logged-out', 'available', 'reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up', 'paused'];

/** What the config says about an agent (static; changes only on reload). */
export interface AgentProfile {
  id: string;
  name: string;
  /** Skill → proficiency 1–5. */
  skills: Readonly<Record<string, number>>;
  teams: readonly string[];
  wrapUpSeconds?: number;
  maxConcurrentOffers: number;
  autoLogin: boolean;
  /** Position in the config's agent list (tie-breaks, `linear` without members). */
  order: number;
}

/** An agent's live state, as stored in Redis (one hash per agent). */
export interface AgentLive {
  id: string;
  state: AgentState;
  /** Pause reason while paused ("break", "missed-calls"…); the outbound campaign while on-call-outbound. */
  reason?: string;
  /** When the current state began. */
  since: number;
  /** When the agent last became free for a call (longest-idle); reset after a missed offer. */
  idleSince: number;
  /** Calls currently offered (reserved or ringing) to this agent. */
  offers: readonly string[];
  /** ACD calls answered since login (fewest-calls). */
  callsTaken: number;
  /** Ring-no-answers in a row (auto-pause after acd.missesBeforePause). */
  misses: number;
  /** When the agent last missed an offer (not offered again for acd.retryAfterMissSeconds). */
  lastMissAt?: number;
  loginAt?: number;
  /** The connected ACD call, while on-call / wrap-up. */
  call?: string;
  /** When wrap-up ends (the sweeper makes the agent available then, on any instance). */
  wrapUntil?: number;
  /** Logged out during a call: becomes logged-out when the call completes. */
  pendingLogout?: boolean;
  /** Incremented by every write; the view ignores older copies. */
  version: number;
}

export type EntryState = 'waiting' | 'offered' | 'connected';

/** A caller in a queue, as stored in Redis (one hash per call). */
export interface QueueEntry {
  callId: string;
  queue: string;
  /** 0–9, higher first. */
  priority: number;
  /** When the caller first entered a queue (kept across ring-no-answer, overflow and restart). */
  enqueuedAt: number;
  /** When the caller entered this queue (differs from enqueuedAt after an overflow); its max wait counts from here. */
  queuedAt?: number;
  /** Global arrival order (FIFO among equal priorities). */
  seq: number;
  state: EntryState;
  /** Agents the call is offered to (reserved/ringing; several for ringall). */
  agents: readonly string[];
  /** The connected agent. */
  agent?: string;
  /** Server instance holding the caller's media. */
  owner: string;
  /** Position when the caller entered this queue (1-based). */
  origPosition: number;
  /** Skills override from the IVR (VIP, language…); unset: the queue's requirement. */
  requirement?: Requirement;
  /** Caller number (journal, CTI); never written to logs. */
  caller?: string;
  /** IVR call variables (screen pop). */
  variables: Readonly<Record<string, string>>;
  /** When the current offer started (ring time in the journal). */
  offeredAt?: number;
  /** When an agent answered. */
  connectedAt?: number;
  version: number;
}

/** Journal event names, as a call-center analyst knows them (Asterisk queue_log). */
export type JournalEventName =
  | 'ENTERQUEUE'
  | 'RINGNOANSWER'
  | 'CONNECT'
  | 'ABANDON'
  | 'EXITWITHTIMEOUT'
  | 'EXITEMPTY'
  | 'EXITWITHKEY'
  | 'EXITLOST'
  | 'OVERFLOW'
  | 'COMPLETECALLER'
  | 'COMPLETEAGENT'
  | 'TRANSFER'
  | 'AGENTLOGIN'
  | 'AGENTLOGOFF'
  | 'PAUSE'
  | 'UNPAUSE';

/** One journal entry (Redis Stream `acd:journal`): ids, then event-specific fields. */
export interface JournalEvent {
  /** Stream id. */
  id: string;
  event: JournalEventName;
  time: number;
  queue?: string;
  callId?: string;
  agentId?: string;
  /** Event fields: waittime/holdtime/calltime in seconds, position, origposition, reason… */
  data: Readonly<Record<string, string>>;
}

/** One entry of the agent state log (Redis Stream `acd:statelog`). */
export interface StateLogEntry {
  /** Stream id. */
  id: string;
  agentId: string;
  from: AgentState;
  to: AgentState;
  cause: string;
  reason?: string;
  /** The call the agent was reserved for, ringing with, talking on or wrapping up (before or after the change). */
  callId?: string;
  time: number;
}

export interface AgentStateChange {
  agentId: string;
  from: AgentState;
  to: AgentState;
  /** Why: login, reserve, ring, answer, rna, abandon, wrap-up-done, auto-pause… */
  cause: string;
  reason?: string;
  callId?: string;
  at: number;
}

/** A queue, as the core sees it. */
export type QueueDef = QueueConfig;

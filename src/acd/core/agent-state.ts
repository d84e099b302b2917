/**
 * The agent state machine. Every write of an agent's state (here, in the
 * service, and in the Redis Lua scripts, which receive `allowedFrom(to)`)
 * checks this one table, so the diagram below is the whole truth.
 *
 *                   login ready
 *   logged-out ────────────────────▶ available ◀────────────────────────┐
 *       │                             │    ▲                            │
 *       │ login not ready     reserve │    │ offer withdrawn / expired  │
 *       ▼                             ▼    │                            │
 *     paused ◀──────────┐          reserved┘                            │
 *       ▲               │             │ ring                            │
 *       │    auto-pause │             ▼                                 │
 *       │   (K misses)  └───────── ringing ─────────────────────────────┤ ring-no-answer,
 *       │                             │ answer                          │ abandon, rejected
 *       │                             ▼                                 │
 *       │                          on-call ─────────────────────────────┤ wrap-up 0 s
 *       │                             │                                 │
 *       │                             ▼                                 │
 *       └─────────────────────────  wrap-up ────────────────────────────┘
 *
 * Also: paused → available (unpause); available and paused → on-call-outbound
 * (a dialer or manual call), which ends in wrap-up or available.
 * Self-loops: reserved → reserved and ringing → ringing take a further offer
 * (maxConcurrentOffers > 1); paused → paused changes the pause reason.
 * Every state except logged-out may go to logged-out; from on-call and
 * on-call-outbound that is the pending logout, applied when the call completes.
 */
import type { AgentState } from '../types.js';

export const AGENT_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  'logged-out': ['available', 'paused'],
  available: ['reserved', 'paused', 'on-call-outbound', 'logged-out'],
  reserved: ['ringing', 'reserved', 'available', 'logged-out'],
  ringing: ['on-call', 'ringing', 'available', 'paused', 'logged-out'],
  'on-call': ['wrap-up', 'available', 'logged-out'],
  'on-call-outbound': ['wrap-up', 'available', 'logged-out'],
  'wrap-up': ['available', 'paused', 'logged-out'],
  paused: ['available', 'paused', 'on-call-outbound', 'logged-out'],
};

/** Whether the table allows `from → to`. */
export function canTransition(from: AgentState, to: AgentState): boolean {
  return AGENT_TRANSITIONS[from].includes(to);
}

const ENTERED_FROM = new Map<AgentState, AgentState[]>();
for (const [from, tos] of Object.entries(AGENT_TRANSITIONS) as [AgentState, readonly AgentState[]][]) {
  for (const to of tos) {
    const list = ENTERED_FROM.get(to) ?? [];
    list.push(from);
    ENTERED_FROM.set(to, list);
  }
}

/**
 * The states from which `to` may be entered. The Lua scripts get this list
 * (they cannot import the table) so a compare-and-set in Redis enforces
 * exactly the transitions allowed here.
 */
export function allowedFrom(to: AgentState): AgentState[] {
  return [...(ENTERED_FROM.get(to) ?? [])];
}

/** A state change the table forbids (a bug, or a race lost to another instance). */
export class AgentStateError extends Error {
  readonly code = 'ACD_INVALID_TRANSITION' as const;
  constructor(
    readonly from: AgentState,
    readonly to: AgentState,
    readonly agentId?: string,
  ) {
    super(`agent${agentId === undefined ? '' : ` ${agentId}`}: invalid transition ${from} → ${to}`);
    this.name = 'AgentStateError';
  }
}

/** The guard: returns `to` when allowed, throws AgentStateError otherwise. */
export function assertTransition(from: AgentState, to: AgentState, agentId?: string): AgentState {
  if (!canTransition(from, to)) throw new AgentStateError(from, to, agentId);
  return to;
}

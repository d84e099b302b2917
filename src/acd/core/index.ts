/** The ACD's pure domain core: rules and routing with no I/O, clock or randomness of its own. */
export { AGENT_TRANSITIONS, AgentStateError, allowedFrom, assertTransition, canTransition } from './agent-state.js';
export { effectiveRequirement, escalated, nextEscalationAt, proficiency, qualifies, skillScore, stepsDue } from './requirement.js';
export { MIN_WEIGHT, firstAgent, rankAgents, type Candidate, type RankContext } from './strategy.js';
export { compareEntries, compareForAgent, type AgentChoice, type Ranked } from './ordering.js';
export { announceMinutes, estimatedWaitMs, type EwtInput } from './ewt.js';
export { entryRefused, maxWaitAt, overflowDue, type OverflowContext, type OverflowDecision } from './overflow.js';
export { AcdView, type AcdViewOptions, type Offer } from './view.js';

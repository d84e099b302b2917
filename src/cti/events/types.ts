/**
 * The CTI event catalogue: one TypeBox schema (and so one TypeScript type)
 * per event. The same schemas are published in the OpenAPI document
 * (`/docs/json`, components.schemas) and as `/v1/events/catalogue`, so an
 * integrator's code can be generated from what the server actually sends.
 *
 * Every event has the envelope: `id` (the Redis Stream id, resume from it),
 * `type`, `time` (ISO 8601), `tenant`, and where they apply `callId`,
 * `agentId`, `queue` and the call's `variables` (IVR input, CRM data: the
 * screen pop).
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { DISPOSITIONS } from '../../dialer/compliance.js';

const Vars = Type.Record(Type.String(), Type.String(), { description: 'Call variables: IVR input and data attached by integrators' });

const Envelope = {
  id: Type.String({ description: 'Stream id; send it back as `since` to resume after it' }),
  time: Type.String({ format: 'date-time' }),
  tenant: Type.String(),
};

function event<T extends string, P extends TProperties>(type: T, description: string, props: P) {
  return Type.Object({ ...Envelope, type: Type.Literal(type), ...props }, { $id: `event.${type}`, description, additionalProperties: false });
}

const CallIds = {
  callId: Type.String(),
  queue: Type.Optional(Type.String()),
  agentId: Type.Optional(Type.String({ description: 'The agent the call is with (or offered/ringing to)' })),
  variables: Type.Optional(Vars),
};

const AgentState = Type.Union(
  ['logged-out', 'available', 'reserved', 'ringing', 'on-call', 'on-call-outbound', 'wrap-up', 'paused'].map((s) => Type.Literal(s)),
);

const AgentIds = {
  agentId: Type.String(),
  state: AgentState,
  /** When the agent entered this state (time in state on the wallboard). */
  since: Type.String({ format: 'date-time' }),
  cause: Type.String({ description: 'Why the state changed: login, ready, pause, answer, wrap-up-done, auto-pause…' }),
  callId: Type.Optional(Type.String()),
};

export const CallQueued = event('call.queued', 'A caller entered a queue (also after an overflow)', {
  ...CallIds,
  queue: Type.String(),
  caller: Type.Optional(Type.String()),
  position: Type.Integer({ minimum: 1 }),
  priority: Type.Integer(),
});
export const CallOffered = event('call.offered', 'The ACD reserved an agent for a queued call (screen pop)', {
  ...CallIds,
  agentId: Type.String(),
  caller: Type.Optional(Type.String()),
});
export const CallDelivered = event('call.delivered', "The agent's phone is ringing", { ...CallIds, agentId: Type.String(), caller: Type.Optional(Type.String()) });
export const CallEstablished = event('call.established', 'Caller and agent are talking', { ...CallIds, agentId: Type.String(), caller: Type.Optional(Type.String()) });
export const CallHeld = event('call.held', 'The caller is on hold (music)', { ...CallIds });
export const CallRetrieved = event('call.retrieved', 'The caller is back with the agent', { ...CallIds });
export const CallTransferred = event('call.transferred', 'The call went to another party', {
  ...CallIds,
  kind: Type.Union([Type.Literal('blind'), Type.Literal('attended')]),
  fromAgentId: Type.Optional(Type.String()),
  to: Type.String({ description: 'Agent id or number the call now is with' }),
});
export const CallConferenced = event('call.conferenced', 'Caller, agent and a third party hear each other', { ...CallIds, parties: Type.Array(Type.String()) });
export const CallCleared = event('call.cleared', 'The call ended', {
  ...CallIds,
  cause: Type.Union(['caller-hangup', 'agent-hangup', 'server-hangup', 'no-agent', 'failed', 'shutdown'].map((c) => Type.Literal(c))),
  durationMs: Type.Integer({ minimum: 0 }),
});
export const CallDtmf = event('call.dtmf', 'A digit pressed during a call with an agent (IVR digits are not sent)', {
  ...CallIds,
  digit: Type.String(),
  from: Type.Union([Type.Literal('caller'), Type.Literal('agent'), Type.Literal('consult'), Type.Literal('supervisor')]),
});
const Recording = { ...CallIds, recordingId: Type.String() };
export const RecordingStarted = event('recording.started', 'Recording began', Recording);
export const RecordingPaused = event('recording.paused', 'Recording paused (PCI: nothing is written)', Recording);
export const RecordingResumed = event('recording.resumed', 'Recording resumed', Recording);
export const RecordingStopped = event('recording.stopped', 'Recording finished', Recording);

export const AgentLoggedOn = event('agent.loggedOn', 'The agent logged in', AgentIds);
export const AgentReady = event('agent.ready', 'The agent is available for calls', AgentIds);
export const AgentNotReady = event('agent.notReady', 'The agent is paused', { ...AgentIds, reason: Type.String() });
export const AgentBusy = event('agent.busy', 'The agent is reserved, ringing or on a call', AgentIds);
export const AgentWrapUp = event('agent.wrapUp', 'The agent is in after-call work', { ...AgentIds, until: Type.Optional(Type.String({ format: 'date-time' })) });
export const AgentLoggedOff = event('agent.loggedOff', 'The agent logged out', AgentIds);

/** Today's figures of a queue (queue.stats and GET /v1/queues). */
export const QueueTodaySchema = Type.Object(
  {
    offered: Type.Integer(),
    answered: Type.Integer(),
    abandoned: Type.Integer(),
    /** Abandoned with a wait under reports.shortAbandonSeconds. */
    shortAbandoned: Type.Integer(),
    answeredWithinSl: Type.Integer(),
    /** answeredWithinSl ÷ (offered − still waiting) × 100 (docs/reports.md); null before the first finished call. */
    serviceLevelPct: Type.Union([Type.Number(), Type.Null()]),
    /** (abandoned − short) ÷ (offered − still waiting − short) × 100; null before the first finished call. */
    abandonRatePct: Type.Union([Type.Number(), Type.Null()]),
    asaMs: Type.Union([Type.Integer(), Type.Null()]),
  },
  { additionalProperties: false },
);
export const QueueStatsEvent = event('queue.stats', 'Live figures of a queue, every cti.events.queueStatsSeconds', {
  queue: Type.String(),
  waiting: Type.Integer(),
  longestWaitMs: Type.Integer(),
  agents: Type.Record(Type.String(), Type.Integer()),
  serviceLevelSeconds: Type.Integer(),
  today: QueueTodaySchema,
});

const Attempt = {
  campaignId: Type.String(),
  contactId: Type.String({ description: 'The contact in the campaign (no phone number in events)' }),
  attempt: Type.Integer({ minimum: 1 }),
  queue: Type.String({ description: "The campaign's queue" }),
};

export const OutboundDialing = event('outbound.dialing', 'The dialer is calling a contact of a campaign', Attempt);
export const OutboundAnswered = event('outbound.answered', 'The contact answered (a person or a machine: see outbound.machine)', { ...Attempt, callId: Type.String() });
export const OutboundMachine = event('outbound.machine', 'Answering-machine detection heard a machine; what the campaign does with it', {
  ...Attempt,
  callId: Type.String(),
  action: Type.Union([Type.Literal('drop'), Type.Literal('message'), Type.Literal('agent')]),
  reason: Type.String({ description: 'What decided: beep, long-greeting, too-many-words' }),
});
export const OutboundAbandoned = event('outbound.abandoned', 'A person answered and no agent was free in time: the safe-harbor message, then hang-up', {
  ...Attempt,
  callId: Type.String(),
  waitedMs: Type.Integer({ description: 'From the answer (or the end of detection) to the message' }),
});
export const OutboundDisposition = event('outbound.disposition', "An attempt's outcome: the dialer's, or one an agent set afterwards", {
  ...Attempt,
  disposition: Type.Union(DISPOSITIONS.map((d) => Type.Literal(d))),
  by: Type.Union([Type.Literal('dialer'), Type.Literal('agent')]),
  callId: Type.Optional(Type.String()),
  agentId: Type.Optional(Type.String()),
  outcome: Type.Optional(Type.String()),
  callbackAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const EVENT_SCHEMAS = [
  CallQueued,
  CallOffered,
  CallDelivered,
  CallEstablished,
  CallHeld,
  CallRetrieved,
  CallTransferred,
  CallConferenced,
  CallCleared,
  CallDtmf,
  RecordingStarted,
  RecordingPaused,
  RecordingResumed,
  RecordingStopped,
  AgentLoggedOn,
  AgentReady,
  AgentNotReady,
  AgentBusy,
  AgentWrapUp,
  AgentLoggedOff,
  QueueStatsEvent,
  OutboundDialing,
  OutboundAnswered,
  OutboundMachine,
  OutboundAbandoned,
  OutboundDisposition,
] as const;

export type CtiEvent = Static<(typeof EVENT_SCHEMAS)[number]>;
export type CtiEventType = CtiEvent['type'];
export const EVENT_TYPES: readonly CtiEventType[] = EVENT_SCHEMAS.map((s) => s.properties.type.const);

/** An event before it is in the stream: no id yet (Redis assigns it). */
export type NewEvent = CtiEvent extends infer E ? (E extends CtiEvent ? Omit<E, 'id'> : never) : never;

export type QueueToday = Static<typeof QueueTodaySchema>;

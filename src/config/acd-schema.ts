/**
 * The ACD part of the config: agents' skills and routing settings, queues,
 * and the engine's own knobs. Proficiency is an integer 1–5 (1 = novice,
 * 5 = expert), as in Amazon Connect's proficiency levels.
 */
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const SkillName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
export const PROFICIENCY_MIN = 1;
export const PROFICIENCY_MAX = 5;
const Proficiency = Type.Integer({ minimum: PROFICIENCY_MIN, maximum: PROFICIENCY_MAX });

/** The ACD settings of one agent (merged into the agent's entry in `agents`). */
export const AgentAcdFields = {
  /** Skill → proficiency 1–5. */
  skills: Type.Record(SkillName, Proficiency, { default: {} }),
  teams: Type.Array(Id, { default: [], uniqueItems: true }),
  /** Seconds in wrap-up after each ACD call; unset: the queue's, then acd.defaultWrapUpSeconds. */
  wrapUpSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  /** How many ACD calls may be offered (ringing) to this agent at once; answering one withdraws the others. */
  maxConcurrentOffers: Type.Integer({ minimum: 1, maximum: 4, default: 1 }),
  /** Log in and go ready when a phone registers, log out when the last registration goes (demo/kiosk use). */
  autoLogin: Type.Boolean({ default: false }),
};

const SkillRequirement = Type.Object({ skill: SkillName, min: Type.Optional(Proficiency) }, strict);

/**
 * Who can take a call: every skill of `allOf` (each at its minimum, default 1) and,
 * if `anyOf` is not empty, at least one of those. Empty both: any agent.
 */
export const RequirementSchema = Type.Object(
  {
    allOf: Type.Array(SkillRequirement, { default: [] }),
    anyOf: Type.Array(SkillRequirement, { default: [] }),
  },
  { ...strict, default: {} },
);

/**
 * One escalation step, applied once the caller has waited `afterSeconds` (steps
 * are cumulative, in order): lower every minimum to `minProficiency`, drop
 * skills from the requirement, or replace the requirement outright.
 */
const EscalationStep = Type.Object(
  {
    afterSeconds: Type.Integer({ minimum: 1 }),
    minProficiency: Type.Optional(Proficiency),
    dropSkills: Type.Optional(Type.Array(SkillName, { minItems: 1 })),
    requirement: Type.Optional(RequirementSchema),
  },
  strict,
);

/** Where a caller goes when the queue cannot keep them. */
export const OverflowTargetSchema = Type.Union([
  Type.Object({ type: Type.Literal('queue'), queue: Id }, strict),
  Type.Object({ type: Type.Literal('voicemail'), mailbox: Type.Optional(Id) }, strict),
  Type.Object({ type: Type.Literal('callback') }, strict),
  Type.Object({ type: Type.Literal('hangup') }, strict),
]);

export const STRATEGIES = ['ringall', 'longest-idle', 'fewest-calls', 'round-robin', 'linear', 'random', 'weighted-random', 'skill-best'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const PromptName = Type.String({ pattern: '^[A-Za-z0-9_-]+$' });

export const QueueSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    requirement: RequirementSchema,
    /** Only these agents (in this order, for `linear`); unset: every agent meeting the requirement. */
    members: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true })),
    strategy: Type.Union(STRATEGIES.map((s) => Type.Literal(s)), { default: 'longest-idle' }),
    /** Between queues sharing agents, higher is served first (before call priority and wait). */
    priority: Type.Integer({ minimum: 0, maximum: 9, default: 0 }),
    /** Longest a caller waits before onMaxWait applies (0: no limit). */
    maxWaitSeconds: Type.Integer({ minimum: 0, default: 600 }),
    /** Most callers waiting at once; the next goes to onMaxLength (0: no limit). */
    maxLength: Type.Integer({ minimum: 0, default: 0 }),
    /** Service level: answered within this many seconds. */
    serviceLevelSeconds: Type.Integer({ minimum: 1, default: 20 }),
    ringTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 600 })),
    wrapUpSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    announcements: Type.Object(
      {
        /** Played in a loop while waiting. */
        music: Type.Optional(PromptName),
        /** Position (and estimated wait) every N seconds; 0: never. */
        positionEverySeconds: Type.Integer({ minimum: 0, default: 30 }),
        /** Include the estimated wait in the position announcement. */
        estimatedWait: Type.Boolean({ default: true }),
        /** Another prompt every N seconds (e.g. "your call is important"). */
        periodic: Type.Optional(Type.Object({ prompt: PromptName, everySeconds: Type.Integer({ minimum: 5 }) }, strict)),
      },
      { ...strict, default: {} },
    ),
    escalation: Type.Array(EscalationStep, { default: [] }),
    /** This queue's recordings: `retentionDays` overrides recording.retentionDays (0: keep for ever). */
    recording: Type.Optional(Type.Object({ retentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500 })) }, strict)),
    overflow: Type.Object(
      {
        onMaxWait: Type.Optional(OverflowTargetSchema),
        onMaxLength: Type.Optional(OverflowTargetSchema),
        /** No agent who could ever take the call is logged in (at entry, or all log out while callers wait). */
        onNoAgents: Type.Optional(OverflowTargetSchema),
        /** While the emergency switch is on: new and waiting callers alike. */
        onEmergency: Type.Optional(OverflowTargetSchema),
      },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export const AcdSchema = Type.Object(
  {
    /** How long a reservation may stay unconfirmed before another instance reclaims it. */
    reservationTtlSeconds: Type.Integer({ minimum: 2, maximum: 120, default: 10 }),
    /** Ring-no-answers in a row before the agent is paused (reason "missed-calls"); 0: never. */
    missesBeforePause: Type.Integer({ minimum: 0, default: 3 }),
    defaultWrapUpSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 10 }),
    /** After a missed offer (no answer, busy, declined) the agent is not rung again for this long (Asterisk's retry). */
    retryAfterMissSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 5 }),
    /** Recent handle times kept per queue for the estimated wait. */
    handleTimeWindow: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    /** An instance whose heartbeat is older than this is dead: its queued callers are cleaned up. */
    instanceTimeoutSeconds: Type.Integer({ minimum: 3, maximum: 600, default: 15 }),
    /** The hotline's digit → queue, until the IVR issue replaces it. */
    hotlineMenu: Type.Record(Type.String({ pattern: '^[0-9*#]$' }), Id, { default: {} }),
    /** Queue for a caller who presses nothing (or an unmapped digit). */
    hotlineDefaultQueue: Type.Optional(Id),
  },
  { ...strict, default: {} },
);

export type QueueConfig = Static<typeof QueueSchema>;
export type AcdConfig = Static<typeof AcdSchema>;
export type Requirement = Static<typeof RequirementSchema>;
export type OverflowTarget = Static<typeof OverflowTargetSchema>;

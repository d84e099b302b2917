/**
 * An outbound campaign: what is dialled, by whom, how and within which rules
 * (TypeBox schema: the REST API validates against it), and its lifecycle:
 *
 *   draft ──start──▶ running ◀──start── paused
 *     │                │  └──pause──▶──┘  │
 *     └──────stop──────┴──────stop────────┴──▶ stopped (final)
 */
import { Type, type Static } from '@sinclair/typebox';
import type { DialMode } from './pacing.js';

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const CampaignInput = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** The ACD queue whose agents work it (their skills decide who is offered its calls). */
    queue: Type.String({ minLength: 1, maxLength: 64 }),
    /** Caller ID presented (E.164). */
    callerId: Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }),
    mode: Type.Union((['preview', 'progressive', 'power', 'predictive'] as const satisfies readonly DialMode[]).map((m) => Type.Literal(m))),
    /** power mode: lines per free agent. */
    ratio: Type.Number({ minimum: 1, maximum: 10, default: 2 }),
    /** The contacts' local calling window. */
    window: Type.Object({ start: HHMM, end: HHMM }, { additionalProperties: false, default: { start: '08:00', end: '21:00' } }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
    minGapMinutes: Type.Integer({ minimum: 1, maximum: 10_080, default: 240 }),
    /** Minutes before retrying after each disposition. */
    retry: Type.Object(
      {
        busy: Type.Integer({ minimum: 1, default: 30 }),
        noAnswer: Type.Integer({ minimum: 1, default: 240 }),
        machine: Type.Integer({ minimum: 1, default: 480 }),
        failed: Type.Integer({ minimum: 1, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** 0–9: its calls against inbound callers for blended agents (higher first). */
    priority: Type.Integer({ minimum: 0, maximum: 9, default: 0 }),
    /** Shown on the agent's screen with the contact's own fields (the script). */
    variables: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), Type.String({ maxLength: 1024 }), { default: {} }),
    /** Numbers written without a country code are in this country (ISO 3166 alpha-2). */
    defaultCountry: Type.String({ pattern: '^[A-Z]{2}$', default: 'US' }),
    /** Abandoned ÷ live answers over a rolling 30 days, %: pacing stays below it. */
    targetAbandonPct: Type.Number({ minimum: 0, maximum: 3, default: 3 }),
    /**
     * What a person hears when no agent is free in time (then the call ends). The law expects
     * who is calling and a number to call back; without it the server's generic `safe-harbor` prompt plays.
     */
    safeHarborText: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    /** The campaign's own outcomes an agent may pick when setting a disposition ("sale", "not-interested"…). */
    outcomes: Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$' }), { maxItems: 50, default: [] }),
    amd: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        /** drop the call, leave a message after the beep, or pass it to an agent anyway. */
        action: Type.Union([Type.Literal('drop'), Type.Literal('message'), Type.Literal('agent')], { default: 'agent' }),
        /** Spoken (espeak-ng, cached) after the beep when the action is `message`; required for it. */
        messageText: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { $id: 'CampaignInput', additionalProperties: false },
);
export type CampaignInputT = Static<typeof CampaignInput>;

export type CampaignStatus = 'draft' | 'running' | 'paused' | 'stopped';

export interface Campaign extends CampaignInputT {
  status: CampaignStatus;
  createdAt: string;
  updatedAt: string;
}

const TRANSITIONS: Record<CampaignStatus, readonly CampaignStatus[]> = {
  draft: ['running', 'stopped'],
  running: ['paused', 'stopped'],
  paused: ['running', 'stopped'],
  stopped: [],
};

export function canMove(from: CampaignStatus, to: CampaignStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Minutes after midnight of "HH:MM". */
export function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

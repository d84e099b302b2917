/**
 * What the dialer tells the world about its calls: one event per step of an
 * attempt. The CTI publisher puts them on the event stream (schemas in
 * src/cti/events/types.ts, `outbound.*`); the engine knows nothing of it.
 *
 *   dialing ─▶ answered ─▶ (machine) ─▶ … ─▶ disposition
 *                       └▶ abandoned (the safe-harbor message) ─▶ disposition
 *
 * No phone numbers: the contact id names the contact.
 */
import type { Disposition } from './compliance.js';

interface AttemptIds {
  campaignId: string;
  contactId: string;
  attempt: number;
  /** The campaign's queue. */
  queue: string;
}

export type OutboundEvent =
  | ({ type: 'outbound.dialing' } & AttemptIds)
  | ({ type: 'outbound.answered'; callId: string } & AttemptIds)
  | ({ type: 'outbound.machine'; callId: string; action: 'drop' | 'message' | 'agent'; reason: string } & AttemptIds)
  | ({ type: 'outbound.abandoned'; callId: string; waitedMs: number } & AttemptIds)
  | ({
      type: 'outbound.disposition';
      disposition: Disposition;
      /** The dialer's own outcome of the attempt, or the one an agent (or supervisor) set afterwards. */
      by: 'dialer' | 'agent';
      callId?: string;
      agentId?: string;
      /** The campaign's own label an agent chose ("sale", "not interested"…). */
      outcome?: string;
      /** ISO time of a callback the customer asked for. */
      callbackAt?: string;
    } & AttemptIds);

export type OutboundEventSink = (event: OutboundEvent) => void;

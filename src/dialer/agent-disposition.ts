/**
 * An agent's word on a contact they talked to: done, call back at a time,
 * never again (do-not-call), or a wrong number, with the campaign's own
 * outcome label and a note. During the call or after it:
 *
 *   set during the call  ──▶ kept, and applied when the attempt ends (settle.lua)
 *   set after it         ──▶ applied now (apply-agent-disposition.lua)
 *
 * Either way atomically with the end of the attempt, so the dialer's retry
 * and the agent's callback never both put the contact in line.
 */
import type { Campaign } from './campaign.js';
import { CONTACT_DISPOSITION, DialerError, type AgentDisposition, type AgentOutcome, type CampaignStore, type StoredContact } from './campaign-store.js';
import type { DncList } from './dnc.js';
import type { OutboundEventSink } from './events.js';
import type { CampaignStats } from './stats.js';

export interface AgentDispositionInput {
  disposition: AgentOutcome;
  outcome?: string;
  note?: string;
  /** ms; required for a callback, in the future, and within `maxCallbackDays`. */
  callbackAt?: number;
}

export interface AgentDispositionDeps {
  store: CampaignStore;
  dnc: DncList;
  stats: CampaignStats;
  emit?: OutboundEventSink;
  now?: () => number;
  /** Furthest a callback may be booked ahead (days, default 30). */
  maxCallbackDays?: number;
}

export interface AgentDispositionResult {
  /** applied: the contact is as it says; pending: applied when the call ends. */
  status: 'applied' | 'pending';
  contact: StoredContact;
}

/** Checks and applies it; `by` is who set it (an agent id, or the API principal's name). */
export async function setAgentDisposition(
  deps: AgentDispositionDeps,
  campaign: Campaign,
  contact: StoredContact,
  input: AgentDispositionInput,
  by: { id: string; agentId?: string },
): Promise<AgentDispositionResult> {
  const now = (deps.now ?? Date.now)();
  if (contact.attempts === 0) throw new DialerError('DIALER_NOT_REACHED', `contact ${contact.id} has not been called yet`);
  if (input.outcome !== undefined && campaign.outcomes.length > 0 && !campaign.outcomes.includes(input.outcome)) {
    throw new DialerError('DIALER_DISPOSITION_INVALID', `outcome "${input.outcome}" is not one of the campaign's: ${campaign.outcomes.join(', ')}`);
  }
  if (input.disposition === 'callback') {
    const maxDays = deps.maxCallbackDays ?? 30;
    if (input.callbackAt === undefined) throw new DialerError('DIALER_DISPOSITION_INVALID', 'a callback needs callbackAt');
    if (input.callbackAt <= now) throw new DialerError('DIALER_DISPOSITION_INVALID', 'callbackAt is in the past');
    if (input.callbackAt > now + maxDays * 86_400_000) throw new DialerError('DIALER_DISPOSITION_INVALID', `callbackAt is more than ${maxDays} days ahead`);
  } else if (input.callbackAt !== undefined) throw new DialerError('DIALER_DISPOSITION_INVALID', 'callbackAt goes with the callback disposition only');

  const ad: AgentDisposition = {
    attempt: contact.attempts,
    disposition: input.disposition,
    contactDisposition: CONTACT_DISPOSITION[input.disposition],
    ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
    ...(input.note === undefined ? {} : { note: input.note }),
    ...(input.callbackAt === undefined ? {} : { callbackAt: input.callbackAt }),
    by: by.id,
    at: now,
  };
  // the customer asked: on the company-wide list at once, whatever happens to the call
  if (input.disposition === 'dnc') await deps.dnc.add(contact.e164, { kind: 'global' }, `asked during campaign ${campaign.id} (${by.id})`, now);
  const r = await deps.store.applyAgentDisposition(campaign.id, contact.id, ad);
  if (r === 'gone') throw new DialerError('DIALER_CONTACT_NOT_FOUND', `no contact ${contact.id} in campaign ${campaign.id}`);
  if (input.outcome !== undefined) await deps.stats.outcome(campaign.id, input.outcome);
  deps.emit?.({
    type: 'outbound.disposition',
    campaignId: campaign.id,
    contactId: contact.id,
    attempt: contact.attempts,
    queue: campaign.queue,
    disposition: ad.contactDisposition,
    by: 'agent',
    ...(by.agentId === undefined ? {} : { agentId: by.agentId }),
    ...(contact.lastCallId === undefined ? {} : { callId: contact.lastCallId }),
    ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
    ...(input.callbackAt === undefined ? {} : { callbackAt: new Date(input.callbackAt).toISOString() }),
  });
  return r === 'pending' ? { status: 'pending', contact: { ...contact, agentDisposition: ad } } : { status: 'applied', contact: r };
}

/**
 * A contact answered: what happens next, up to the end of the call.
 *
 *   answered ─▶ [AMD on] listen ─┬─ machine ─┬─ drop ─────────────▶ hang up          (machine)
 *                                │           ├─ message ─ beep ─ play ─ hang up    (machine)
 *                                │           └─ agent ──┐
 *                                └─ person / unknown ───┴─▶ queued for an agent
 *                                                           ├─ connected ─ talk ─ end   (answered)
 *                                                           └─ nobody in time ─ safe-harbor message ─ hang up (abandoned)
 *
 * The safe-harbor clock starts when the greeting is over: at the answer
 * without AMD, at its decision with it (that is when the detector has heard
 * the person finish their "hello?").
 *
 * `unknown` (dead air, an undecided greeting) goes to an agent as a person:
 * a heuristic's doubt must not hang up on someone.
 */
import { join } from 'node:path';
import type { Call } from '../calls/call.js';
import type { QueueCalls } from '../calls/queue-call.js';
import type { Logger } from '../log.js';
import type { Campaign } from './campaign.js';
import type { StoredContact } from './campaign-store.js';
import type { Disposition } from './compliance.js';
import type { OutboundEvent } from './events.js';
import type { AmdDecision, AmdOptions, AmdResult } from './amd/detector.js';
import { LiveAudio, detectOnCall, waitForBeepEnd } from './amd/live.js';

export interface AnsweredDeps {
  queueCalls: Pick<QueueCalls, 'run'>;
  prompt(name: string): string;
  /** A text spoken (espeak-ng) into a WAV, cached by text. */
  speak(text: string): Promise<string>;
  safeHarborMs: number;
  /** Where the detector's scratch recordings go (removed after). */
  scratchDir: string;
  amd?: AmdOptions;
  emit(e: OutboundEvent): void;
  /** An agent took the call: the contact learns who (the agent may then set its disposition). */
  connected(agentId: string, callId: string): Promise<void>;
  now(): number;
  wrapUpMs(queue: string): number;
  logger?: Logger;
}

export interface AnsweredOutcome {
  disposition: Disposition;
  /** A person answered (counts in the abandon rate's denominator). */
  live: boolean;
  connected: boolean;
  handleMs?: number;
  agentId?: string;
  amd?: AmdResult;
  /** The machine's message was played. */
  messageLeft?: boolean;
}

export interface AttemptRef {
  campaignId: string;
  contactId: string;
  attempt: number;
  queue: string;
}

export async function runAnswered(call: Call, campaign: Campaign, contact: StoredContact, ref: AttemptRef, deps: AnsweredDeps): Promise<AnsweredOutcome> {
  for (const [k, v] of Object.entries({ ...campaign.variables, ...contact.fields })) call.variables.set(k, v);
  call.variables.set('campaign_id', campaign.id);
  call.variables.set('contact_id', contact.id);
  deps.emit({ type: 'outbound.answered', ...ref, callId: call.id });
  const ended = new Promise<void>((r) => (call.isEnded() ? r() : call.once('ended', () => r())));
  const hangUp = async (): Promise<void> => {
    if (!call.isEnded()) await call.end('server-hangup');
  };

  let amd: AmdResult | undefined;
  const ep = call.caller.endpoint;
  if (campaign.amd.enabled && ep !== undefined) {
    const abort = new AbortController();
    void ended.then(() => abort.abort());
    const audio = new LiveAudio(ep, { file: join(deps.scratchDir, `amd-${call.id}.wav`), signal: abort.signal });
    try {
      // a detector that cannot listen (the recording refused) must not cost a person their call: unknown
      const decision = await detectOnCall(audio, deps.amd).catch((err: unknown): AmdDecision => {
        call.log?.warn({ err, code: 'MEDIA_RECORD_FAILED' }, 'answering-machine detection could not listen: taken as a person');
        return { result: 'unknown', reason: 'no-audio', atMs: 0 };
      });
      amd = decision.result;
      call.variables.set('amd', amd);
      call.log?.info({ amd: amd, reason: decision.reason, atMs: decision.atMs }, 'answering-machine detection');
      if (amd === 'machine') {
        call.outcomes.add('machine');
        const action = campaign.amd.action;
        deps.emit({ type: 'outbound.machine', ...ref, callId: call.id, action, reason: decision.reason });
        if (action === 'drop') {
          await hangUp();
          return { disposition: 'machine', live: false, connected: false, amd };
        }
        if (action === 'message') {
          // a beep already heard ends soon: a short quiet after it is enough
          const how = await waitForBeepEnd(audio, { quietMs: decision.reason === 'beep' ? 400 : 2500 });
          await audio.close();
          let messageLeft = false;
          const text = campaign.amd.messageText;
          if (how !== 'hung-up' && !call.isEnded() && text !== undefined) {
            const file = await deps.speak(text).catch((err: unknown) => {
              call.log?.warn({ err, code: 'PROMPT_TOOL_FAILED' }, 'campaign message could not be rendered');
              return undefined;
            });
            if (file !== undefined) messageLeft = (await ep.play([file]).catch(() => 'closed')) === 'completed';
          }
          await hangUp();
          return { disposition: 'machine', live: false, connected: false, amd, messageLeft };
        }
      }
    } finally {
      await audio.close();
    }
    if (call.isEnded()) return { disposition: amd === 'machine' ? 'machine' : 'abandoned', live: amd !== 'machine', connected: false, amd };
  }

  // a person (or a machine the campaign passes on): an agent within the safe-harbor time, or the message
  const live = amd !== 'machine';
  const queuedAt = deps.now();
  // nobody in time: the caller is withdrawn from the queue first (no agent can connect during the message)
  const withdraw = new AbortController();
  const timer = setTimeout(() => {
    if (call.state !== 'connected' && !call.isEnded()) withdraw.abort();
  }, deps.safeHarborMs);
  const result = await deps.queueCalls.run(call, { queue: campaign.queue, priority: 9, signal: withdraw.signal });
  clearTimeout(timer);
  // withdrawn in time, or the queue would not keep them (closed, full, overflowed and back): nobody will take this call
  if (result !== 'connected' && !call.isEnded()) {
    if (live) deps.emit({ type: 'outbound.abandoned', ...ref, callId: call.id, waitedMs: deps.now() - queuedAt });
    const text = campaign.safeHarborText;
    const file = text === undefined ? deps.prompt('safe-harbor') : await deps.speak(text).catch(() => deps.prompt('safe-harbor'));
    await call.caller.endpoint?.play([file]).catch(() => undefined);
    if (!call.isEnded()) await call.end('no-agent');
  }
  if (result === 'connected') {
    const agentId = call.agentLeg?.party;
    if (agentId !== undefined) await deps.connected(agentId, call.id).catch((err: unknown) => call.log?.warn({ err, code: 'DIALER_STORE_UNAVAILABLE' }, 'contact not told of its agent'));
    await ended;
    const handleMs = Math.max(0, (call.endedAt ?? deps.now()) - (call.connectedAt ?? deps.now())) + deps.wrapUpMs(campaign.queue);
    return { disposition: 'answered', live, connected: true, handleMs, ...(agentId === undefined ? {} : { agentId }), ...(amd === undefined ? {} : { amd }) };
  }
  await ended;
  return { disposition: live ? 'abandoned' : 'machine', live, connected: false, ...(amd === undefined ? {} : { amd }) };
}

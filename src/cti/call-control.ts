/**
 * What the CTI's Calls routes do to the call model: find a call on this
 * instance and check the principal may touch it (404 first, then 403), run
 * the operation, and turn a refusal into a coded error (409 wrong state, 422
 * target unreachable, 409 no recording, 501 not supported). Also click-to-dial
 * with the agent kept busy in the ACD while on it.
 *
 * Who may do what (see auth/principal.ts): `calls:control` any call; an agent
 * the calls it is the agent (or consult party) of; a supervisor its teams'
 * agents' calls. `events:read` may read any call but change none.
 */
import type { Static } from '@sinclair/typebox';
import type { Call } from '../calls/call.js';
import type { Leg } from '../calls/leg.js';
import { ClickToDialError } from '../calls/manager.js';
import { ApiError } from '../http/errors.js';
import { acdCall } from './acd-errors.js';
import { hasScope, mayControlCall, supervises, type Principal } from './auth/principal.js';
import type { CtiContext } from './context.js';
import type { CallView } from './routes/calls.js';

export type CallViewT = Static<typeof CallView>;

/** The most variables a call carries (what a CRM attaches, plus the IVR's). */
export const MAX_VARIABLES = 100;

const DIAL_FAILURE: Record<string, string> = {
  'no-answer': 'did not answer',
  busy: 'is busy',
  declined: 'declined the call',
  unavailable: 'cannot be reached',
  cancelled: 'was withdrawn',
};

export class CallControl {
  private readonly agents: ReadonlySet<string>;

  constructor(private readonly ctx: CtiContext) {
    this.agents = new Set(ctx.config.agents.map((a) => a.id));
  }

  // ── finding calls, access ──────────────────────────────────────────────

  /** The agents a call is with: its agent leg and its consult leg (the parties access is judged on). */
  agentsOf(call: Call): string[] {
    return [call.agentLeg, call.consultLeg].flatMap((l) => (l !== undefined && l.state !== 'ended' && this.agents.has(l.party) ? [l.party] : []));
  }

  mayControl(p: Principal, call: Call): boolean {
    return mayControlCall(p, this.agentsOf(call), this.ctx.teamsOf);
  }

  maySee(p: Principal, call: Call): boolean {
    return hasScope(p, 'events:read') || this.mayControl(p, call);
  }

  /** A call of this instance (404 CTI_CALL_NOT_FOUND otherwise), before any access check. */
  existing(callId: string): Call {
    const call = this.ctx.calls.calls.get(callId);
    if (call === undefined || call.isEnded()) throw new ApiError('CTI_CALL_NOT_FOUND', `No call ${callId}`);
    return call;
  }

  /** A call the principal may read. */
  readable(p: Principal, callId: string): Call {
    const call = this.existing(callId);
    if (!this.maySee(p, call)) throw new ApiError('CTI_FORBIDDEN', `Call ${callId} is not yours`);
    return call;
  }

  /** A call the principal may control. */
  controllable(p: Principal, callId: string): Call {
    const call = this.existing(callId);
    if (!this.mayControl(p, call)) throw new ApiError('CTI_FORBIDDEN', `Call ${callId} is not yours`);
    return call;
  }

  /** Active calls the principal may see, oldest first. */
  list(p: Principal): Call[] {
    return [...this.ctx.calls.calls.values()].filter((c) => !c.isEnded() && this.maySee(p, c)).sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The call as the API shows it; the caller's number only to integrators and supervisors. */
  view(p: Principal, call: Call): CallViewT {
    const withNumber = hasScope(p, 'calls:control') || hasScope(p, 'events:read') || hasScope(p, 'supervisor');
    const agent = call.agentLeg;
    const agentId = agent !== undefined && this.agents.has(agent.party) ? agent.party : undefined;
    return {
      id: call.id,
      state: call.state,
      ...(withNumber && call.caller.party !== '' ? { caller: call.caller.party } : {}),
      ...(agentId === undefined ? {} : { agentId }),
      ...(call.queue === undefined ? {} : { queue: call.queue }),
      startedAt: new Date(call.startedAt).toISOString(),
      ...(call.connectedAt === undefined ? {} : { connectedAt: new Date(call.connectedAt).toISOString() }),
      variables: Object.fromEntries(call.variables),
      legs: call.legs.map((l) => ({ id: l.id, role: l.role, ...(l.role === 'caller' && !withNumber ? {} : { party: l.party }), state: l.state })),
    };
  }

  // ── operations ─────────────────────────────────────────────────────────

  /** Ends the call: `agent-hangup` when its agent asks, `server-hangup` otherwise; a consult party asking only leaves the consultation. */
  async hangup(p: Principal, call: Call): Promise<void> {
    const own = p.agentId !== undefined && hasScope(p, 'agent:self');
    const consult = call.consultLeg;
    if (own && consult !== undefined && consult.party === p.agentId && call.agentLeg?.party !== p.agentId) {
      await consult.end('hangup-local');
      return;
    }
    await call.end(own && call.agentLeg?.party === p.agentId ? 'agent-hangup' : 'server-hangup');
  }

  hold(call: Call): void {
    if (!call.hold()) throw wrongState(call, 'held', 'a connected call');
  }

  retrieve(call: Call): void {
    if (!call.retrieve()) throw wrongState(call, 'retrieved', 'a held call with its agent');
  }

  /** Blind transfer: checked, then started (the agent is released at once); the outcome shows in the call's events. */
  blindTransfer(call: Call, to: string): void {
    this.checkTarget(call, to);
    if (call.state !== 'connected' && call.state !== 'held') throw wrongState(call, 'transferred', 'a connected or held call');
    // the agent leaves synchronously; a target that does not answer ends the call (no-agent)
    void this.ctx.calls.blindTransfer(call, to).catch((err: unknown) => call.log?.warn({ err }, 'blind transfer failed'));
  }

  /** Attended transfer, step 1: resolves once `to` answered (consulting) or failed (the agent has the caller back). */
  async consult(call: Call, to: string): Promise<void> {
    this.checkTarget(call, to);
    if (call.state !== 'connected' && call.state !== 'held') throw wrongState(call, 'consulted from', 'a connected or held call');
    if (await this.ctx.calls.consult(call, to)) return;
    if (call.isEnded()) throw new ApiError('CTI_CALL_NOT_FOUND', `Call ${call.id} ended during the consultation`);
    throw new ApiError('CTI_TARGET_UNREACHABLE', `${to} was not reached for the consultation; the call is back with its agent`);
  }

  async completeConsult(call: Call): Promise<void> {
    if (!(await call.completeTransfer())) throw wrongState(call, 'transferred to the consulted party', 'a call in consultation');
  }

  async cancelConsult(call: Call): Promise<void> {
    if (call.state !== 'consulting' || !(await call.cancelConsult())) throw wrongState(call, 'taken out of consultation', 'a call in consultation');
  }

  conference(call: Call): void {
    if (call.state !== 'consulting' || !call.conference()) throw wrongState(call, 'conferenced', 'a call in consultation');
  }

  /** RFC 4733 digits to the caller (an IVR at the far end of a click-to-dial, say). */
  dtmf(call: Call, digits: string): void {
    const ep = call.caller.endpoint;
    const talking = call.state === 'connected' || call.state === 'held' || call.state === 'consulting' || call.state === 'conference';
    if (!talking || ep === undefined || ep.closed) throw wrongState(call, 'sent digits', 'a call connected to an agent');
    ep.sendDtmf(digits);
  }

  replaceVariables(call: Call, vars: Readonly<Record<string, string>>): void {
    call.variables.clear();
    for (const [k, v] of Object.entries(vars)) call.variables.set(k, v);
  }

  /** Merge; a null value deletes. Refused as a whole (nothing changed) beyond {@link MAX_VARIABLES}. */
  patchVariables(call: Call, vars: Readonly<Record<string, string | null>>): void {
    const next = new Map(call.variables);
    for (const [k, v] of Object.entries(vars)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    if (next.size > MAX_VARIABLES) throw new ApiError('BAD_REQUEST', `A call carries at most ${MAX_VARIABLES} variables (this would make ${next.size})`);
    for (const k of [...call.variables.keys()]) if (!next.has(k)) call.variables.delete(k);
    for (const [k, v] of next) call.variables.set(k, v);
  }

  recording(call: Call, paused: boolean): void {
    if (!this.ctx.recorder.setPaused(call.id, paused)) throw new ApiError('CTI_NO_RECORDING', `Call ${call.id} has no recording in progress`);
  }

  /**
   * A supervisor's phone joins the call: `listen` (hears both, not heard) or
   * `barge` (heard by both). A supervisor may only use its own phone and only
   * on its teams' calls; admin may send anyone's. Whisper is refused (501).
   */
  async supervise(p: Principal, call: Call, mode: 'listen' | 'whisper' | 'barge', supervisorId: string | undefined): Promise<void> {
    const admin = hasScope(p, 'admin');
    if (!admin && !hasScope(p, 'supervisor')) throw new ApiError('CTI_FORBIDDEN', 'Needs scope supervisor or admin');
    const agents = this.agentsOf(call);
    if (!admin && !agents.some((a) => supervises(p, a, this.ctx.teamsOf))) throw new ApiError('CTI_FORBIDDEN', `Call ${call.id} is not with an agent of your teams`);
    const sup = supervisorId ?? p.agentId;
    if (sup === undefined) throw new ApiError('BAD_REQUEST', 'supervisorId is required with a token that is not an agent');
    if (!this.agents.has(sup)) throw new ApiError('CTI_AGENT_NOT_FOUND', `No agent ${sup}`);
    if (!admin && sup !== p.agentId) throw new ApiError('CTI_FORBIDDEN', 'A supervisor listens on its own phone only');
    if (mode === 'whisper') {
      throw new ApiError(
        'CTI_NOT_SUPPORTED',
        'Whisper (heard by the agent only) is not supported: the media engine (projectrtp) mixes one sum for every member, minus each own audio, so whatever the agent hears the caller hears too; use listen or barge',
      );
    }
    if (agents.includes(sup)) throw new ApiError('CTI_INVALID_STATE', `Agent ${sup} is already on call ${call.id}`);
    if (call.state !== 'connected') throw wrongState(call, 'supervised', 'a connected call');
    if (await this.ctx.calls.supervise(call, sup, mode)) return;
    if (call.isEnded()) throw new ApiError('CTI_CALL_NOT_FOUND', `Call ${call.id} ended while the supervisor's phone rang`);
    if (call.state !== 'connected') throw wrongState(call, 'supervised', 'a connected call');
    throw new ApiError('CTI_TARGET_UNREACHABLE', `Supervisor ${sup}'s phone was not reached`);
  }

  /**
   * Click-to-dial for `agentId`: marks the agent busy in the ACD (refused, 409,
   * unless available or paused: a logged-out agent, or one on a call, ringing
   * or in wrap-up cannot), rings the agent's phone, then `to`, and bridges.
   * Resolves with the connected call; a leg not reached is 422 and the agent's
   * ACD state goes on (wrap-up) as after any outbound call.
   */
  async clickToDial(p: Principal, to: string, agentIdIn: string | undefined, opts: { callerId?: string; variables?: Readonly<Record<string, string>> } = {}): Promise<Call> {
    const agentId = agentIdIn ?? p.agentId;
    if (agentId === undefined) throw new ApiError('BAD_REQUEST', 'agentId is required with a token that is not an agent');
    if (!this.agents.has(agentId)) throw new ApiError('CTI_AGENT_NOT_FOUND', `No agent ${agentId}`);
    if (!mayControlCall(p, [agentId], this.ctx.teamsOf)) throw new ApiError('CTI_FORBIDDEN', `Agent ${agentId} is not yours`);
    if (to === agentId) throw new ApiError('CTI_TARGET_UNREACHABLE', `Agent ${agentId} cannot call itself`);
    if (!this.ctx.calls.canRoute(to)) throw new ApiError('CTI_TARGET_UNREACHABLE', `No route to ${to}: not an agent, and no trunk takes it`);
    await acdCall(() => this.ctx.acd.startOutbound(agentId, 'click-to-dial'));
    const release = once(() => void this.ctx.acd.endOutbound(agentId).catch((err: unknown) => this.ctx.logger.warn({ err, agentId }, 'could not end the click-to-dial call for the ACD')));
    let call: Call;
    try {
      call = await this.ctx.calls.clickToDial(agentId, to, opts);
    } catch (err) {
      release();
      if (err instanceof ClickToDialError) {
        const who = err.leg === 'agent' ? `Agent ${agentId}'s phone` : to;
        // cancelled: the agent hung up while `to` rang, or shutdown (the message says which)
        const why = err.reason === 'cancelled' && err.leg === 'agent' ? `Click-to-dial abandoned: ${err.message}` : `${who} ${DIAL_FAILURE[err.reason] ?? `failed (${err.reason})`}`;
        throw new ApiError('CTI_TARGET_UNREACHABLE', why, undefined, { cause: err });
      }
      throw err;
    }
    const agentLeg = call.agentLeg;
    if (agentLeg === undefined) release();
    else whenEnded(agentLeg, release);
    // an agent reached (the called one, or one the call is later transferred to) is busy for the ACD too
    this.busyWhileOn(call.caller);
    call.on('transferred', (_kind, _from, leg) => this.busyWhileOn(leg));
    return call;
  }

  /** An available agent on this leg is not offered queue calls until the leg ends (a pause is kept). */
  private busyWhileOn(leg: Leg): void {
    const agentId = leg.party;
    if (!this.agents.has(agentId) || leg.state === 'ended') return;
    const acd = this.ctx.acd;
    acd.busyElsewhere(agentId, 'click-to-dial').then(
      () => whenEnded(leg, () => void acd.endBusyElsewhere(agentId).catch((err: unknown) => this.ctx.logger.warn({ err, agentId }, 'could not end the busy state for the ACD'))),
      // not available (paused, logged out, on a call…): the ACD is not routing to them anyway
      () => undefined,
    );
  }

  private checkTarget(call: Call, to: string): void {
    if (!this.ctx.calls.canRoute(to)) throw new ApiError('CTI_TARGET_UNREACHABLE', `No route to ${to}: not an agent, and no trunk takes it`);
    if (this.agentsOf(call).includes(to)) throw new ApiError('CTI_TARGET_UNREACHABLE', `${to} is already on call ${call.id}`);
  }
}

function wrongState(call: Call, what: string, needs: string): ApiError {
  return new ApiError('CTI_INVALID_STATE', `Call ${call.id} is ${call.state}: only ${needs} can be ${what}`);
}

function whenEnded(leg: Leg, run: () => void): void {
  if (leg.state === 'ended') run();
  else leg.on('state', (to) => to === 'ended' && run());
}

function once(run: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    run();
  };
}

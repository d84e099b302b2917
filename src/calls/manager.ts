/**
 * The B2BUA's call table: answers hotline INVITEs with a media endpoint,
 * builds Calls, dials agents and the trunk, and carries out what phones and
 * (later) the CTI ask of a call: hold, transfers, conference, hangup.
 * Every call ends through Call.end, once; the manager forgets it then.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import type { InDialogRequest } from '../sip/ua/session.js';
import { parseNameAddr, type NameAddr } from '../sip/message/headers.js';
import type { MediaEndpoint, MediaServer } from '../media/port.js';
import { needsPtimeEdge, type PtimeEdge } from '../media/rtpengine/ptime-edge.js';
import { PtimeEndpoint } from '../media/ptime-endpoint.js';
import { parseSdp, remoteAudio } from '../media/sdp.js';
import { TypedEmitter } from '../sip/ua/typed-emitter.js';
import { Call, type SuperviseMode } from './call.js';
import { Leg, type LegEndCause } from './leg.js';
import { dialAgent, dialTrunk, DialError, type DialDeps } from './dial.js';

/** A click-to-dial leg not reached: the agent's own phone, or the party it dials. */
export class ClickToDialError extends DialError {
  constructor(
    reason: LegEndCause,
    message: string,
    readonly leg: 'agent' | 'target',
  ) {
    super(reason, message);
  }

  static from(err: unknown, leg: 'agent' | 'target'): ClickToDialError {
    if (err instanceof DialError) return new ClickToDialError(err.reason, err.message, leg);
    return new ClickToDialError('failed', err instanceof Error ? err.message : String(err), leg);
  }
}

export type CallManagerEvents = {
  call: [call: Call];
};

export interface CallManagerOptions {
  dial: DialDeps;
  media: MediaServer;
  /** Answer a browser's (WebRTC) offer through the edge; absent: browsers cannot call in (488). */
  browserAnswer?: (offer: Buffer, ids: { callId: string; legId: string }) => Promise<MediaEndpoint>;
  /** rtpengine re-chunking callers whose ptime is not 20 ms (projectrtp's); absent: answered directly. */
  ptimeEdge?: PtimeEdge;
  agentIds: readonly string[];
  ringTimeoutMs: number;
  prompt(name: string): string;
  /** A number that is not an agent goes to the trunk when it matches. */
  trunkMatch?: RegExp;
  logger?: Logger;
}

function isWebRtcOffer(sdp: Buffer): boolean {
  try {
    return remoteAudio(parseSdp(sdp)).webrtc;
  } catch {
    return false;
  }
}

export class CallManager extends TypedEmitter<CallManagerEvents> {
  readonly calls = new Map<string, Call>();
  private accepting = true;
  /** Click-to-dial attempts not yet a Call (shutdown withdraws them). */
  private readonly pending = new Set<AbortController>();

  constructor(private readonly opts: CallManagerOptions) {
    super();
  }

  /** Answer an inbound INVITE with media and hand the new Call to `run`. */
  async acceptInbound(incoming: IncomingCall, run: (call: Call) => Promise<void>): Promise<Call | undefined> {
    const log = this.opts.logger?.child({ sipCallId: incoming.request.callId });
    if (!this.accepting) {
      incoming.reject(503, 'Service Unavailable (shutting down)');
      return undefined;
    }
    const offer = incoming.remoteSdp;
    // late offer (no SDP in the INVITE, some trunks): we offer in the 200, the caller answers in the ACK
    const lateOffer = offer === undefined || offer.length === 0;
    let endpoint: MediaEndpoint;
    try {
      const ids = { callId: incoming.request.callId, legId: 'caller' };
      if (lateOffer) endpoint = await this.opts.media.offer(ids);
      else if (this.opts.browserAnswer !== undefined && isWebRtcOffer(offer)) endpoint = await this.opts.browserAnswer(offer, ids);
      else if (this.opts.ptimeEdge !== undefined && needsPtimeEdge(offer)) endpoint = await PtimeEndpoint.forOffer(this.opts.media, this.opts.ptimeEdge, offer, ids);
      else endpoint = await this.opts.media.answer(offer, ids);
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'MEDIA_UNAVAILABLE';
      log?.info({ err, code }, 'caller offer refused');
      if (code === 'MEDIA_SDP_UNSUPPORTED') incoming.reject(488, 'Not Acceptable Here');
      else incoming.reject(503, 'Service Unavailable (media)', { headers: { 'retry-after': '5' } });
      return undefined;
    }
    if (incoming.state !== 'setup' || !this.accepting) {
      // the caller left, or shutdown began, while media was being set up
      await endpoint.close();
      if (incoming.state === 'setup') incoming.reject(503, 'Service Unavailable (shutting down)');
      return undefined;
    }
    const callerNumber = incoming.from?.uri.user ?? 'anonymous';
    const leg = new Leg('caller', incoming, endpoint, callerNumber, this.opts.logger);
    const call = this.newCall(leg);
    call.dialed = incoming.request.uri?.user;
    try {
      await incoming.answer(endpoint.localSdp);
    } catch {
      await call.end('failed');
      return undefined;
    }
    if (incoming.endReason !== undefined) {
      await call.end('caller-hangup');
      return undefined;
    }
    if (lateOffer) {
      const answer = incoming.remoteSdp;
      const applied = answer !== undefined && (await endpoint.setRemoteAnswer(answer).then(() => true, () => false));
      if (!applied) {
        call.log?.info({ code: 'MEDIA_SDP_UNSUPPORTED' }, 'late-offer caller sent no usable answer in the ACK');
        await call.end('failed');
        return undefined;
      }
    }
    leg.transition('answered', 'answered');
    run(call).catch((err: unknown) => {
      call.log?.error({ err }, 'call flow failed');
      void call.end('failed');
    });
    return call;
  }

  /** A call around its caller's leg (inbound, or a customer we called), tracked until it ends. */
  private newCall(caller: Leg): Call {
    const call = new Call(caller, {
      media: this.opts.media,
      holdMusic: [this.opts.prompt('hold-music')],
      ringback: [this.opts.prompt('ringback')],
      logger: this.opts.logger,
    });
    this.track(call);
    return call;
  }

  private track(call: Call): void {
    this.calls.set(call.id, call);
    call.once('ended', () => this.calls.delete(call.id));
    call.on('leg.added', (leg) => this.watchLeg(call, leg));
    this.watchLeg(call, call.caller);
    this.emit('call', call);
  }

  private watchLeg(call: Call, leg: Leg): void {
    if (leg.role === 'caller') return;
    leg.on('refer', (req, target) => void this.onRefer(call, leg, req, target));
    leg.on('remote-hold', (held) => {
      if (leg !== call.agentLeg) return;
      if (held) call.hold('agent-phone-hold');
      else call.retrieve('agent-phone-retrieve');
    });
  }

  /** Dial an agent or a number for this call (the leg is not yet connected to anything). */
  async dial(call: Call, target: string, role: 'agent' | 'consult' | 'supervisor', signal?: AbortSignal, ringTimeoutMs?: number): Promise<Leg> {
    const from = call.caller.session.state !== 'ended' ? (call.caller.session as IncomingCall).from : undefined;
    const opts = { role, from, ringTimeoutMs: ringTimeoutMs ?? this.opts.ringTimeoutMs, callId: call.id, signal };
    if (this.opts.agentIds.includes(target)) return dialAgent(this.opts.dial, target, opts);
    if (this.opts.trunkMatch?.test(target) === true) return dialTrunk(this.opts.dial, target, opts);
    throw new DialError('unavailable', `no route to ${target}`);
  }

  /**
   * A call the server places to a customer over the trunk (a callback): once
   * they answer, the Call is theirs, the customer's leg as its caller, in the
   * `ivr` state, and `run` takes it from there (typically the queue).
   */
  async placeCall(number: string, run: (call: Call) => Promise<void>, opts: { ringTimeoutMs?: number; signal?: AbortSignal; callerId?: string } = {}): Promise<Call> {
    if (!this.accepting) throw new DialError('unavailable', 'shutting down');
    if (this.opts.trunkMatch?.test(number) !== true) throw new DialError('unavailable', 'no route for the number');
    const from = opts.callerId === undefined ? undefined : this.shown(opts.callerId);
    const leg = await dialTrunk(this.opts.dial, number, { role: 'caller', from, ringTimeoutMs: opts.ringTimeoutMs ?? this.opts.ringTimeoutMs, callId: `out-${randomUUID()}`, signal: opts.signal });
    const call = this.newCall(leg);
    call.direction = 'outbound';
    if (leg.state === 'ended' || !this.accepting) {
      await call.end(leg.state === 'ended' ? 'caller-hangup' : 'shutdown');
      return call;
    }
    run(call).catch((err: unknown) => {
      call.log?.error({ err }, 'call flow failed');
      void call.end('failed');
    });
    return call;
  }

  /**
   * Click-to-dial: the agent's own phone rings first (showing `to`); once they
   * answer they hear ringback while `to` (an agent id, or a number for the
   * trunk) is dialled; when that answers, the Call is built around the far
   * party as its caller (the customer, whose media is recorded, who gets DTMF
   * and music on hold) and connected to the agent's leg, the call's agent.
   * Resolves with the connected Call. Before that there is no Call: a leg not
   * reached (or the agent hanging up while `to` rings, or `signal`) rejects
   * with a {@link ClickToDialError} naming which, and nothing is left open.
   */
  /** A From for our own calls: `user` at our domain (an agent's id, a campaign's caller ID). */
  private shown(user: string): NameAddr {
    return { uri: { scheme: 'sip', user, host: this.opts.dial.domain, params: new Map() }, params: new Map() };
  }

  async clickToDial(
    agentId: string,
    to: string,
    opts: { ringTimeoutMs?: number; signal?: AbortSignal; callerId?: string; variables?: Readonly<Record<string, string>> } = {},
  ): Promise<Call> {
    if (!this.accepting) throw new ClickToDialError('unavailable', 'shutting down', 'agent');
    if (!this.opts.agentIds.includes(agentId)) throw new ClickToDialError('unavailable', `no agent ${agentId}`, 'agent');
    if (to === agentId) throw new ClickToDialError('unavailable', 'an agent cannot call itself', 'target');
    if (!this.canRoute(to)) throw new ClickToDialError('unavailable', `no route to ${to}`, 'target');
    const abort = new AbortController();
    const onOuter = (): void => abort.abort();
    if (opts.signal?.aborted === true) abort.abort();
    opts.signal?.addEventListener('abort', onOuter, { once: true });
    this.pending.add(abort);
    // labels the legs' media and logs until the Call (and its id) exists
    const dialId = `c2d-${randomUUID()}`;
    const ringTimeoutMs = opts.ringTimeoutMs ?? this.opts.ringTimeoutMs;
    const shown = (user: string): NameAddr => this.shown(user);
    const toAgent = this.opts.agentIds.includes(to);
    try {
      let agentLeg: Leg;
      try {
        agentLeg = await dialAgent(this.opts.dial, agentId, { role: 'agent', from: shown(to), ringTimeoutMs, callId: dialId, signal: abort.signal });
      } catch (err) {
        throw this.accepting ? ClickToDialError.from(err, 'agent') : new ClickToDialError('cancelled', 'shutting down', 'agent');
      }
      // the agent hanging up (or shutdown) withdraws the dial to the far party
      const onAgentState = (state: string): void => {
        if (state === 'ended') abort.abort();
      };
      agentLeg.on('state', onAgentState);
      const ringback = new AbortController();
      agentLeg.endpoint?.play([this.opts.prompt('ringback')], { loop: true, signal: ringback.signal }).catch(() => undefined);
      let far: Leg;
      try {
        const farOpts = { role: 'caller' as const, from: toAgent ? shown(agentId) : opts.callerId === undefined ? undefined : shown(opts.callerId), ringTimeoutMs, callId: dialId, signal: abort.signal };
        far = toAgent ? await dialAgent(this.opts.dial, to, farOpts) : await dialTrunk(this.opts.dial, to, farOpts);
      } catch (err) {
        const agentGone = agentLeg.state === 'ended';
        await agentLeg.end('hangup-local');
        if (!this.accepting) throw new ClickToDialError('cancelled', 'shutting down', 'agent');
        if (agentGone) throw new ClickToDialError('cancelled', `agent ${agentId} hung up before ${to} answered`, 'agent');
        throw ClickToDialError.from(err, 'target');
      } finally {
        ringback.abort();
        agentLeg.off('state', onAgentState);
      }
      if (agentLeg.state === 'ended' || !this.accepting) {
        const why = this.accepting ? `agent ${agentId} hung up before ${to} answered` : 'shutting down';
        await Promise.all([far.end('hangup-local'), agentLeg.end('hangup-local')]);
        throw new ClickToDialError('cancelled', why, 'agent');
      }
      const call = this.newCall(far);
      call.direction = 'outbound';
      // on the call before it is established: the screen pop's data is in the first event
      for (const [k, v] of Object.entries(opts.variables ?? {})) call.variables.set(k, v);
      call.addLeg(agentLeg);
      try {
        call.connect(agentLeg, 'click-to-dial');
      } catch (err) {
        call.log?.warn({ err }, 'click-to-dial legs could not be bridged');
        await call.end('failed');
      }
      return call;
    } finally {
      this.pending.delete(abort);
      opts.signal?.removeEventListener('abort', onOuter);
    }
  }

  /** Can `target` be dialled at all (an agent id, or a number for the trunk)? */
  canRoute(target: string): boolean {
    return this.opts.agentIds.includes(target) || this.opts.trunkMatch?.test(target) === true;
  }

  /** An AbortSignal that fires when the call ends (a dial for it is then withdrawn). */
  private untilEnded(call: Call): { signal: AbortSignal; done: () => void } {
    const abort = new AbortController();
    const onEnded = (): void => abort.abort();
    call.once('ended', onEnded);
    return { signal: abort.signal, done: () => call.off('ended', onEnded) };
  }

  /**
   * Blind transfer, server-initiated: the agent is released at once, the caller
   * hears ringback until `target` answers. `releaseAgent` lets a REFER finish
   * its NOTIFYs before the agent's leg is hung up.
   */
  async blindTransfer(call: Call, target: string, releaseAgent?: (agent: Leg) => Promise<void>): Promise<boolean> {
    if ((call.state !== 'connected' && call.state !== 'held') || !this.canRoute(target)) return false;
    const agent = call.detachAgentForBlindTransfer();
    if (agent !== undefined) void (releaseAgent ?? ((l: Leg) => l.end('transferred')))(agent);
    const until = this.untilEnded(call);
    try {
      const leg = await this.dial(call, target, 'agent', until.signal);
      if (call.isEnded()) {
        await leg.end('hangup-local');
        return false;
      }
      call.completeBlindTransfer(leg);
      return true;
    } catch (err) {
      if (call.isEnded()) return false;
      call.log?.info({ cause: err instanceof DialError ? err.reason : 'failed' }, 'blind transfer target not reached');
      await call.caller.endpoint?.play([this.opts.prompt('no-agent')]).catch(() => undefined);
      await call.end('no-agent');
      return false;
    } finally {
      until.done();
    }
  }

  /** Attended transfer, step 1: hold the caller and ring the consult target for the agent. */
  async consult(call: Call, target: string): Promise<boolean> {
    if ((call.state !== 'connected' && call.state !== 'held') || !this.canRoute(target)) return false;
    call.hold('consult');
    const until = this.untilEnded(call);
    let leg: Leg | undefined;
    try {
      leg = await this.dial(call, target, 'consult', until.signal);
      if (call.isEnded()) {
        await leg.end('hangup-local');
        return false;
      }
      call.startConsult(leg);
      return true;
    } catch (err) {
      // a consult leg that answered but could not be joined is hung up, not left open
      if (leg !== undefined) await leg.end('hangup-local');
      call.log?.info({ cause: err instanceof DialError ? err.reason : 'failed' }, 'consult target not reached');
      if (call.state === 'held') call.retrieve('consult-failed');
      return false;
    } finally {
      until.done();
    }
  }

  /** A supervisor's phone is called and joins the call listening (or barging in). */
  async supervise(call: Call, supervisorId: string, mode: SuperviseMode): Promise<boolean> {
    if (call.state !== 'connected') return false;
    let leg: Leg;
    const until = this.untilEnded(call);
    try {
      leg = await this.dial(call, supervisorId, 'supervisor', until.signal);
    } catch (err) {
      call.log?.info({ cause: err instanceof DialError ? err.reason : 'failed' }, 'supervisor not reached');
      return false;
    } finally {
      until.done();
    }
    if (!call.supervise(leg, mode)) {
      await leg.end('hangup-local');
      return false;
    }
    return true;
  }

  private async onRefer(call: Call, leg: Leg, req: InDialogRequest, referTo: string): Promise<void> {
    const uri = parseNameAddr(referTo)?.uri;
    const target = uri?.user;
    if (target === undefined || leg !== call.agentLeg) {
      req.respond(target === undefined ? 400 : 603);
      return;
    }
    if (uri?.headers !== undefined && /(^|&)replaces=/i.test(uri.headers)) {
      // attended transfer from the handset (REFER with Replaces) is not supported yet
      req.respond(501);
      return;
    }
    if (!this.canRoute(target)) {
      // refused before accepting: the call stays with the agent
      req.respond(404);
      return;
    }
    req.respond(202);
    const notify = (frag: string): Promise<unknown> =>
      leg.session
        .requestInDialog('NOTIFY', {
          body: Buffer.from(`${frag}\r\n`),
          contentType: 'message/sipfrag;version=2.0',
          headers: { event: 'refer', 'subscription-state': frag.includes(' 100 ') ? 'active;expires=60' : 'terminated;reason=noresource' },
        })
        .catch(() => undefined);
    call.log?.info({ legId: leg.id }, 'blind transfer requested by phone');
    // blind: the transferor is done once the transfer is accepted; the caller is no longer
    // theirs from here (their BYE does not end the call), and they get the NOTIFYs before our BYE
    await this.blindTransfer(call, target, async (agent) => {
      await notify('SIP/2.0 100 Trying');
      await notify('SIP/2.0 200 OK');
      await agent.end('transferred');
    });
  }

  /** Stop taking calls and end the ones in progress. */
  async shutdown(): Promise<void> {
    this.accepting = false;
    for (const attempt of this.pending) attempt.abort();
    await Promise.all([...this.calls.values()].map((c) => c.end('shutdown')));
  }
}

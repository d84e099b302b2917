/**
 * A call: the caller's leg and every leg the server adds to serve it (agent,
 * consult, supervisor), the media between them, and what happened, as typed
 * events (the CTI stream is built on them).
 *
 *          ┌──────────────────────────────────────────────────────┐
 *   ivr ──▶ offering ──▶ connected ◀──▶ held                      │
 *    ▲         │  ▲        │   ▲ ▲        │                        ▼
 *    └─────────┘  │        │   │ └── consulting ──▶ conference ──▶ ended
 *   (no answer)   └────────┘   └────────┘                  (from any state)
 *               (blind transfer re-offers)
 *
 * Ending a call ends every leg (and so its media endpoint) exactly once; the
 * recorder listens for `ended` to finish the file and store its metadata.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TypedEmitter } from '../sip/ua/typed-emitter.js';
import type { MediaMix, MediaServer, DtmfSource } from '../media/port.js';
import type { Leg, LegEndCause, LegState } from './leg.js';

export type CallState = 'ivr' | 'offering' | 'connected' | 'held' | 'consulting' | 'conference' | 'ended';

const TRANSITIONS: Record<CallState, readonly CallState[]> = {
  ivr: ['offering', 'connected', 'ended'],
  offering: ['connected', 'ivr', 'ended'],
  connected: ['held', 'consulting', 'conference', 'offering', 'ended'],
  held: ['connected', 'consulting', 'offering', 'ended'],
  consulting: ['connected', 'conference', 'held', 'ended'],
  conference: ['connected', 'ended'],
  ended: [],
};

/** What became of a call beyond its legs: a voicemail left, a callback booked, a machine that answered an outbound call. */
export type CallOutcome = 'voicemail' | 'callback' | 'machine';

export type CallEndCause = 'caller-hangup' | 'agent-hangup' | 'server-hangup' | 'no-agent' | 'failed' | 'shutdown';

export type TransferKind = 'blind' | 'attended';

export type SuperviseMode = 'listen' | 'barge';

export type RecordingEvent = 'started' | 'paused' | 'resumed' | 'stopped';

export type CallEvents = {
  state: [to: CallState, from: CallState, cause: string];
  'leg.added': [leg: Leg];
  'leg.state': [leg: Leg, to: LegState, from: LegState, cause: string];
  dtmf: [leg: Leg, digit: string, source: DtmfSource];
  transferred: [kind: TransferKind, from: Leg | undefined, to: Leg];
  conferenced: [legs: readonly Leg[]];
  recording: [event: RecordingEvent, recordingId: string];
  supervised: [leg: Leg, mode: SuperviseMode];
  /** The caller entered a queue (first time, or after an overflow). */
  queued: [queue: string, position: number, priority: number];
  ended: [cause: CallEndCause];
};

export interface CallOptions {
  media: MediaServer;
  /** Music on hold (looped) and the ringback a transferred caller hears. */
  holdMusic: readonly string[];
  ringback: readonly string[];
  logger?: Logger;
}

export class Call extends TypedEmitter<CallEvents> {
  readonly id = randomUUID();
  readonly startedAt = Date.now();
  connectedAt: number | undefined;
  endedAt: number | undefined;
  endCause: CallEndCause | undefined;
  /** Variables that travel with the call (IVR input, CRM data); CTI events carry them. */
  readonly variables = new Map<string, string>();
  /** The queue the caller is (or last was) in. */
  queue: string | undefined;
  /** Inbound (the caller called us) or outbound (we called a customer: callbacks, campaigns). */
  direction: 'inbound' | 'outbound' = 'inbound';
  /** The number the caller dialed (DID), inbound calls. */
  dialed: string | undefined;
  /** IVR nodes the call passed through, in order (node ids only: no digits). */
  readonly ivrPath: string[] = [];
  /** What the call achieved besides talking to an agent (CDR disposition). */
  readonly outcomes = new Set<CallOutcome>();
  readonly legs: Leg[] = [];
  private _state: CallState = 'ivr';
  /** The agent leg the caller is talking to (or was, while held/consulting). */
  agentLeg: Leg | undefined;
  consultLeg: Leg | undefined;
  readonly supervisors = new Set<Leg>();
  private mixGroup: MediaMix | undefined;
  private holdAbort: AbortController | undefined;
  private ending: Promise<void> | undefined;
  readonly log: Logger | undefined;

  constructor(
    readonly caller: Leg,
    private readonly opts: CallOptions,
  ) {
    super();
    this.log = opts.logger?.child({ callId: this.id });
    this.addLeg(caller);
  }

  get state(): CallState {
    return this._state;
  }

  /** A method, not a narrowed property: true once the call ended, across awaits. */
  isEnded(): boolean {
    return this._state === 'ended';
  }

  /** The one guarded state change. */
  transition(to: CallState, cause: string): boolean {
    const from = this._state;
    if (from === to || !TRANSITIONS[from].includes(to)) return false;
    this._state = to;
    if (to === 'connected' && this.connectedAt === undefined) this.connectedAt = Date.now();
    this.log?.debug({ from, to, cause }, 'call state');
    this.emit('state', to, from, cause);
    return true;
  }

  addLeg(leg: Leg): void {
    this.legs.push(leg);
    leg.on('state', (to, from, cause) => {
      this.emit('leg.state', leg, to, from, cause);
      if (to === 'ended') this.onLegEnded(leg);
    });
    leg.on('dtmf', (digit, source) => this.emit('dtmf', leg, digit, source));
    this.emit('leg.added', leg);
  }

  /** Caller and agent hear each other. */
  connect(agent: Leg, cause = 'answered'): void {
    const a = this.caller.endpoint;
    const b = agent.endpoint;
    if (a === undefined || b === undefined) throw new Error('connect: a leg has no media');
    this.stopHoldMusic();
    this.opts.media.bridge(a, b);
    this.mixGroup = undefined;
    // a supervisor follows the agent it was listening to; a new agent (transfer) starts unsupervised
    if (agent !== this.agentLeg) for (const sup of this.supervisors) void sup.end('hangup-local');
    else this.rejoinSupervisors();
    this.agentLeg = agent;
    this.caller.markHeld(false, 'connected');
    agent.markHeld(false, 'connected');
    this.transition('connected', cause);
  }

  /** The caller hears music on hold; the agent hears nothing (or their consult). */
  hold(cause = 'hold'): boolean {
    if (this._state !== 'connected') return false;
    this.holdCaller();
    this.caller.markHeld(true, cause);
    return this.transition('held', cause);
  }

  retrieve(cause = 'retrieve'): boolean {
    if (this._state !== 'held' || this.agentLeg === undefined || this.agentLeg.state === 'ended') return false;
    this.connect(this.agentLeg, cause);
    return true;
  }

  private holdCaller(): void {
    const ep = this.caller.endpoint;
    if (ep === undefined || ep.closed) return;
    this.opts.media.unbridge(ep);
    this.playLoop(this.opts.holdMusic);
  }

  /** Loop files to the caller until the next connect/hold change (ringback, music on hold). */
  playLoop(files: readonly string[]): void {
    this.stopHoldMusic();
    const ep = this.caller.endpoint;
    if (ep === undefined || ep.closed || files.length === 0) return;
    const abort = new AbortController();
    this.holdAbort = abort;
    ep.play(files, { loop: true, signal: abort.signal }).catch((err: unknown) => this.log?.warn({ err }, 'hold music failed'));
  }

  /** The caller hears ringback while an agent's phone rings. */
  startRingback(): void {
    this.playLoop(this.opts.ringback);
  }

  private stopHoldMusic(): void {
    this.holdAbort?.abort();
    this.holdAbort = undefined;
  }

  /** Attended transfer, step 1: the caller is held, the agent talks to the consult leg. */
  startConsult(consult: Leg): void {
    const agent = this.agentLeg;
    if (agent?.endpoint === undefined || consult.endpoint === undefined) throw new Error('consult: no agent leg with media');
    if (this._state === 'connected') this.holdCaller();
    this.caller.markHeld(true, 'consult');
    this.consultLeg = consult;
    if (!this.legs.includes(consult)) this.addLeg(consult);
    this.opts.media.bridge(agent.endpoint, consult.endpoint);
    this.transition('consulting', 'consult');
  }

  /** Attended transfer, step 2: caller and consult party talk; the agent leg ends. */
  async completeTransfer(): Promise<boolean> {
    const consult = this.consultLeg;
    const agent = this.agentLeg;
    if (consult === undefined || consult.state === 'ended' || this._state !== 'consulting') return false;
    this.consultLeg = undefined;
    this.connect(consult, 'transfer');
    this.emit('transferred', 'attended', agent, consult);
    await agent?.end('transferred');
    return true;
  }

  /** Attended transfer abandoned: the consult leg ends, caller and agent talk again. */
  async cancelConsult(): Promise<boolean> {
    const consult = this.consultLeg;
    if (consult === undefined) return false;
    this.consultLeg = undefined;
    await consult.end('hangup-local');
    if (this.agentLeg !== undefined && this.agentLeg.state !== 'ended') this.connect(this.agentLeg, 'consult-cancelled');
    return true;
  }

  /** Three-way: caller, agent and consult party all hear each other. */
  conference(): boolean {
    const legs = [this.caller, this.agentLeg, this.consultLeg].filter((l): l is Leg => l !== undefined && l.state !== 'ended');
    if (legs.length < 3 || legs.some((l) => l.endpoint === undefined)) return false;
    this.stopHoldMusic();
    const [caller, agent, consult] = legs as [Leg, Leg, Leg];
    // agent and consult party are bridged already: the caller joins them
    this.mixGroup = this.opts.media.mix([agent.endpoint, consult.endpoint].flatMap((e) => (e === undefined ? [] : [e])));
    if (caller.endpoint !== undefined) this.mixGroup.add(caller.endpoint);
    for (const l of legs) l.markHeld(false, 'conference');
    this.transition('conference', 'conference');
    this.emit('conferenced', legs);
    return true;
  }

  /**
   * A supervisor joins a connected call: `listen` hears caller and agent and
   * is not heard; `barge` is heard by both. (Whisper, heard by the agent only,
   * needs per-listener mixes projectrtp does not have.)
   */
  supervise(leg: Leg, mode: SuperviseMode): boolean {
    const caller = this.caller.endpoint;
    const agent = this.agentLeg?.endpoint;
    const sup = leg.endpoint;
    if (this._state !== 'connected' || caller === undefined || agent === undefined || sup === undefined) return false;
    if (!this.legs.includes(leg)) this.addLeg(leg);
    sup.setDirection({ send: true, recv: mode === 'barge' });
    // caller and agent are bridged: the supervisor joins their mix
    this.mixGroup ??= this.opts.media.mix([caller, agent]);
    this.mixGroup.add(sup);
    this.supervisors.add(leg);
    this.emit('supervised', leg, mode);
    return true;
  }

  /** After a re-bridge (retrieve) the supervisors join the new caller+agent mix again. */
  private rejoinSupervisors(): void {
    const caller = this.caller.endpoint;
    const agent = this.agentLeg?.endpoint;
    if (this.supervisors.size === 0 || caller === undefined || agent === undefined) return;
    this.mixGroup = this.opts.media.mix([caller, agent]);
    for (const sup of this.supervisors) if (sup.endpoint !== undefined) this.mixGroup.add(sup.endpoint);
  }

  /**
   * Blind transfer, step 1: the agent leg leaves the call (the caller is no
   * longer the agent's: the agent hanging up now does not end the call), the
   * caller hears ringback. The caller of this ends the returned leg when its
   * signalling is done (after the REFER's NOTIFYs, or at once).
   */
  detachAgentForBlindTransfer(): Leg | undefined {
    const agent = this.agentLeg;
    this.agentLeg = undefined;
    for (const sup of this.supervisors) void sup.end('hangup-local');
    if (this.caller.endpoint !== undefined && !this.caller.endpoint.closed) this.opts.media.unbridge(this.caller.endpoint);
    this.mixGroup = undefined;
    this.playLoop(this.opts.ringback);
    this.transition('offering', 'blind-transfer');
    return agent;
  }

  /** A blind transfer target answered. */
  completeBlindTransfer(to: Leg): void {
    if (!this.legs.includes(to)) this.addLeg(to);
    this.connect(to, 'transfer');
    this.emit('transferred', 'blind', undefined, to);
  }

  private onLegEnded(leg: Leg): void {
    if (this._state === 'ended') return;
    if (this.supervisors.delete(leg)) {
      if (leg.endpoint !== undefined) this.mixGroup?.remove(leg.endpoint);
      return;
    }
    if (leg === this.caller) {
      void this.end(leg.endCause === 'hangup-remote' || leg.endCause === 'cancelled' ? 'caller-hangup' : 'failed');
      return;
    }
    if (leg === this.consultLeg) {
      this.consultLeg = undefined;
      if (this._state === 'consulting' && this.agentLeg !== undefined && this.agentLeg.state !== 'ended') this.connect(this.agentLeg, 'consult-ended');
      else if (this._state === 'conference') this.afterConferenceLeave(leg);
      return;
    }
    if (leg === this.agentLeg) {
      if (leg.endCause === 'transferred') return;
      if (this._state === 'consulting' && this.consultLeg !== undefined) {
        // agent hung up while consulting: the transfer completes (what phones do on hang-up)
        const consult = this.consultLeg;
        this.consultLeg = undefined;
        this.connect(consult, 'transfer');
        this.emit('transferred', 'attended', leg, consult);
        return;
      }
      if (this._state === 'conference') {
        this.afterConferenceLeave(leg);
        return;
      }
      void this.end('agent-hangup');
    }
  }

  private afterConferenceLeave(leg: Leg): void {
    if (leg.endpoint !== undefined) this.mixGroup?.remove(leg.endpoint);
    const rest = [this.agentLeg, this.consultLeg].filter((l): l is Leg => l !== undefined && l !== leg && l.state !== 'ended');
    if (leg === this.agentLeg) this.agentLeg = undefined;
    if (leg === this.consultLeg) this.consultLeg = undefined;
    const next = rest[0];
    this.mixGroup = undefined;
    if (next === undefined) {
      void this.end('agent-hangup');
      return;
    }
    this.agentLeg = next;
    this.consultLeg = undefined;
    this.connect(next, 'conference-leave');
  }

  /** The queueing layer reports the caller entered a queue (CTI call.queued). */
  noteQueued(queue: string, position: number, priority: number): void {
    this.queue = queue;
    this.emit('queued', queue, position, priority);
  }

  /** The recorder reports what happened to this call's recording (CTI recording events). */
  noteRecording(event: RecordingEvent, recordingId: string): void {
    this.emit('recording', event, recordingId);
  }

  /** End the call: every leg hung up and its media closed, once. */
  end(cause: CallEndCause, legCause: LegEndCause = 'hangup-local'): Promise<void> {
    if (this.ending !== undefined) return this.ending;
    // set before any work: ending legs emits events whose listeners may call end() again
    this.endCause = cause;
    this.ending = (async () => {
      await Promise.resolve();
      this.stopHoldMusic();
      this.transition('ended', cause);
      this.endedAt = Date.now();
      await Promise.all(this.legs.map((l) => l.end(cause === 'shutdown' ? 'shutdown' : legCause)));
      this.log?.info({ cause, legs: this.legs.length }, 'call ended');
      this.emit('ended', cause);
    })();
    return this.ending;
  }
}

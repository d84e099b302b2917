/**
 * A leg: one SIP dialog (caller, agent, consult or supervisor side of a call)
 * plus the media endpoint the server terminates it on.
 *
 *   trying ──▶ ringing ──▶ answered ◀──▶ held
 *     │           │           │            │
 *     └───────────┴───────────┴────────────┴──▶ ended
 *
 * `held` means this leg's audio is on hold, whoever asked: the phone (a
 * re-INVITE with sendonly/inactive) or the server (`hold()`).
 * DTMF arrives the same way whichever path the phone used: RFC 4733 events
 * from the media endpoint and SIP INFO (application/dtmf-relay, application/dtmf)
 * both come out as `dtmf`.
 * `end()` hangs up (or cancels/rejects, as the dialog state needs) and closes
 * the endpoint; every path that ends a leg goes through it, once.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { TypedEmitter } from '../sip/ua/typed-emitter.js';
import type { Session, EndReason, InDialogRequest } from '../sip/ua/session.js';
import type { MediaEndpoint, DtmfSource } from '../media/port.js';
import { parseSdp, remoteAudio } from '../media/sdp.js';

export type LegRole = 'caller' | 'agent' | 'consult' | 'supervisor';
export type LegState = 'trying' | 'ringing' | 'answered' | 'held' | 'ended';

/** Why a leg ended, in call-center terms (CDR disposition inputs). */
export type LegEndCause =
  | 'hangup-local'
  | 'hangup-remote'
  | 'cancelled'
  | 'no-answer'
  | 'busy'
  | 'declined'
  | 'unavailable'
  | 'failed'
  | 'transferred'
  | 'media-error'
  | 'shutdown';

const TRANSITIONS: Record<LegState, readonly LegState[]> = {
  trying: ['ringing', 'answered', 'ended'],
  ringing: ['answered', 'ended'],
  answered: ['held', 'ended'],
  held: ['answered', 'ended'],
  ended: [],
};

export type LegEvents = {
  state: [to: LegState, from: LegState, cause: string];
  dtmf: [digit: string, source: DtmfSource];
  /** The phone sent REFER (blind transfer from the handset). */
  refer: [req: InDialogRequest, target: string];
  /** The phone's own hold button (re-INVITE sendonly/inactive), or its retrieve. */
  'remote-hold': [held: boolean];
};

/** Map a SIP failure status to a leg end cause (busy/unavailable reasons for CDRs and ACD). */
export function causeFromStatus(status: number | undefined): LegEndCause {
  if (status === undefined) return 'failed';
  if (status === 486 || status === 600) return 'busy';
  if (status === 603) return 'declined';
  if (status === 480 || status === 404 || status === 410 || status === 408) return status === 408 ? 'no-answer' : 'unavailable';
  if (status === 487) return 'cancelled';
  return 'failed';
}

function causeFromSession(reason: EndReason, status?: number): LegEndCause {
  switch (reason) {
    case 'remote-bye':
      return 'hangup-remote';
    case 'local-bye':
      return 'hangup-local';
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return causeFromStatus(status);
    case 'timeout':
      return 'no-answer';
    case 'shutdown':
      return 'shutdown';
    default:
      return 'failed';
  }
}

export class Leg extends TypedEmitter<LegEvents> {
  readonly id = randomUUID();
  private _state: LegState = 'trying';
  endCause: LegEndCause | undefined;
  readonly createdAt = Date.now();
  answeredAt: number | undefined;
  endedAt: number | undefined;
  /** The phone holds the call (as opposed to the server holding this leg). */
  private remoteHeld = false;
  private serverHeld = false;
  private ending: Promise<void> | undefined;

  constructor(
    readonly role: LegRole,
    readonly session: Session,
    public endpoint: MediaEndpoint | undefined,
    /** Who this leg reaches: agent id, or caller number. */
    readonly party: string,
    private readonly logger?: Logger,
  ) {
    super();
    session.on('ended', (reason, detail) => void this.end(causeFromSession(reason, detail?.status)));
    session.on('info', (req) => this.onInfo(req));
    session.on('reinvite', (req) => void this.onReinvite(req));
    session.on('refer', (req) => this.onRefer(req));
    if (endpoint !== undefined) this.attach(endpoint);
  }

  get state(): LegState {
    return this._state;
  }

  get sipCallId(): string {
    return this.session.callId;
  }

  attach(endpoint: MediaEndpoint): void {
    this.endpoint = endpoint;
    endpoint.on('dtmf', (digit) => this.emit('dtmf', digit, 'rfc4733'));
    endpoint.on('closed', () => {
      // the engine lost the channel (not us closing it): the call cannot go on
      if (this._state !== 'ended' && this.ending === undefined) void this.end('media-error');
    });
  }

  /** The one guarded state change. Returns false (and changes nothing) when not allowed. */
  transition(to: LegState, cause: string): boolean {
    const from = this._state;
    if (from === to || !TRANSITIONS[from].includes(to)) return false;
    this._state = to;
    if (to === 'answered' && this.answeredAt === undefined) this.answeredAt = Date.now();
    if (to === 'ended') this.endedAt = Date.now();
    this.emit('state', to, from, cause);
    return true;
  }

  /** Hang up / cancel / reject as the dialog state requires, close media. Idempotent. */
  end(cause: LegEndCause): Promise<void> {
    if (this.ending !== undefined) return this.ending;
    // set before any work: terminate() fires the session's `ended`, whose listener calls end() again
    this.endCause = cause;
    this.ending = (async () => {
      await Promise.resolve();
      if (this.session.state !== 'ended') await this.session.terminate(cause === 'shutdown' ? 'shutdown' : 'local-bye').catch(() => undefined);
      // ended before the media closes: closing it settles prompts, and whoever awaited
      // one must already see the call as over (not carry on and, say, ring an agent)
      this.transition('ended', cause);
      await this.endpoint?.close().catch(() => undefined);
      this.removeAllListeners();
    })();
    return this.ending;
  }

  /** Server-side hold of this leg's SIP peer (re-INVITE a=sendonly); media is the call's business. */
  async hold(): Promise<boolean> {
    if (this._state !== 'answered') return false;
    this.serverHeld = true;
    const ok = await this.offerDirection('sendonly');
    // a refused re-INVITE leaves the phone as it was
    if (ok) this.transition('held', 'hold');
    else this.serverHeld = false;
    return ok;
  }

  async retrieve(): Promise<boolean> {
    if (this._state !== 'held' || !this.serverHeld) return false;
    this.serverHeld = false;
    const ok = await this.offerDirection('sendrecv');
    if (!this.remoteHeld) this.transition('answered', 'retrieve');
    return ok;
  }

  /** Mark held/retrieved without signalling (the B2BUA holds the other side in media only). */
  markHeld(held: boolean, cause: string): void {
    if (held) this.transition('held', cause);
    else if (!this.remoteHeld && !this.serverHeld) this.transition('answered', cause);
  }

  private async offerDirection(direction: 'sendonly' | 'sendrecv'): Promise<boolean> {
    const ep = this.endpoint;
    if (ep === undefined || ep.closed || this.session.state !== 'established') return false;
    let offer: Buffer;
    try {
      offer = ep.offerWithDirection(direction);
    } catch (err) {
      this.logger?.info({ legId: this.id, err }, 'this leg cannot be re-offered');
      return false;
    }
    const result = await this.session.reinvite(offer);
    const res = result.response;
    if (res === undefined || res.status >= 300) {
      this.logger?.warn({ legId: this.id, status: res?.status, failure: result.failure }, 'hold re-INVITE refused');
      return false;
    }
    if (res.body.length > 0) await ep.setRemoteAnswer(res.body).catch(() => undefined);
    return true;
  }

  private async onReinvite(req: InDialogRequest): Promise<void> {
    const ep = this.endpoint;
    if (ep === undefined || ep.closed) {
      req.respond(488);
      return;
    }
    const body = req.request.body;
    if (body.length === 0) {
      // offerless re-INVITE: our offer goes in the 200, their answer in the ACK (ignored: nothing changes)
      req.respond(200, { body: ep.localSdp });
      return;
    }
    let held: boolean;
    try {
      held = remoteAudio(parseSdp(body)).hold;
      const answer = await ep.reoffer(body);
      req.respond(200, { body: answer });
    } catch (err) {
      this.logger?.info({ legId: this.id, err }, 're-INVITE offer refused');
      req.respond(488);
      return;
    }
    if (held !== this.remoteHeld) {
      this.remoteHeld = held;
      if (held) this.transition('held', 'remote-hold');
      else if (!this.serverHeld) this.transition('answered', 'remote-retrieve');
      this.emit('remote-hold', held);
    }
  }

  private onInfo(req: InDialogRequest): void {
    const type = (req.request.contentType ?? '').toLowerCase();
    const digit = parseInfoDtmf(type, req.request.body.toString('utf8'));
    req.respond(digit === undefined && type.startsWith('application/dtmf') ? 400 : 200);
    if (digit !== undefined) this.emit('dtmf', digit, 'info');
  }

  private onRefer(req: InDialogRequest): void {
    const target = req.request.get('refer-to');
    if (target === undefined || this.listenerCount('refer') === 0) {
      req.respond(target === undefined ? 400 : 603);
      return;
    }
    this.emit('refer', req, target);
  }
}

/** A digit from a SIP INFO body: `Signal=5` (application/dtmf-relay) or `5` (application/dtmf). */
export function parseInfoDtmf(contentType: string, body: string): string | undefined {
  let raw: string | undefined;
  if (contentType.startsWith('application/dtmf-relay')) raw = /^\s*signal\s*=\s*(\S+)/im.exec(body)?.[1];
  else if (contentType.startsWith('application/dtmf')) raw = body.trim();
  if (raw === undefined) return undefined;
  const d = raw.toUpperCase();
  if (/^[0-9A-D*#]$/.test(d)) return d;
  if (d === '10') return '*';
  if (d === '11') return '#';
  return undefined;
}

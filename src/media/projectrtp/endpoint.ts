/**
 * One projectrtp channel as a MediaEndpoint: SDP in and out, playback with a
 * promise per play, DTMF, direction, recordings, and a close that settles
 * everything exactly once.
 *
 *   open ──close()/engine close──▶ closed
 *
 * projectrtp reports playback as `start`/`end` events without saying which
 * play they belong to; plays end in the order they started (a new play ends
 * the current one with `replaced`), so pending plays are kept in a FIFO.
 */
import { TypedEmitter } from '../../sip/ua/typed-emitter.js';
import {
  MediaError,
  type EndpointStats,
  type MediaDirection,
  type MediaEndpoint,
  type MediaEndpointEvents,
  type MediaRecording,
  type PlayOptions,
  type PlayResult,
  type RecordOptions,
  type RecordingEndReason,
} from '../port.js';
import { answerFor, buildSdp, chooseCodec, parseSdp, remoteAudio, type AudioCodec, type AudioOffer, type Direction } from '../sdp.js';
import type { NativeChannel, NativeEvent, NativeRemote } from './binding.js';

/** Codecs projectrtp transcodes between, in the order we offer them. */
export const OFFER_CODECS: AudioCodec[] = [
  { pt: 0, name: 'PCMU', clockRate: 8000 },
  { pt: 8, name: 'PCMA', clockRate: 8000 },
  { pt: 9, name: 'G722', clockRate: 8000 },
];
const DEFAULT_DTMF_PT = 101;

export interface EndpointContext {
  publicAddress: string;
  /** A short silent WAV: projectrtp has no "stop playing", a new play replaces the current one. */
  silenceFile: string;
  onClosed(endpoint: ProjectRtpEndpoint): void;
}

interface PendingPlay {
  resolve(result: PlayResult): void;
  started: boolean;
  /** Already resolved (stopped early); its end event is only consumed. */
  settled: boolean;
}

let sessionCounter = Math.floor(Date.now() / 1000);

export class ProjectRtpEndpoint extends TypedEmitter<MediaEndpointEvents> implements MediaEndpoint {
  private _closed = false;
  private closing: Promise<void> | undefined;
  private closedResolve: (() => void) | undefined;
  private readonly plays: PendingPlay[] = [];
  private playGeneration = 0;
  private readonly recordings = new Map<string, ProjectRtpRecording>();
  private lastStats: EndpointStats = { packetsIn: 0, packetsOut: 0, dropped: 0, mos: 0 };
  private sdpVersion = 1;
  private readonly sessionId = String(++sessionCounter);
  private codec: AudioCodec | undefined;
  private dtmfPt = DEFAULT_DTMF_PT;
  private ptime = 20;
  private _localSdp: Buffer = Buffer.alloc(0);
  /** What the SIP negotiation allows, before any hold the call model applies. */
  private negotiated: MediaDirection = { send: true, recv: true };
  private applied: MediaDirection = { send: true, recv: true };
  private forced: MediaDirection | undefined;
  channel: NativeChannel | undefined;
  /** In a projectrtp mix. The engine leaves a mix on its next tick ("mix finished"), not at unmix(). */
  inMix = false;
  /** Settles once a bridge or mix this endpoint is joining has been made (the engine unmixes on a tick). */
  joined: Promise<void> = Promise.resolve();
  private unmixWaiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    private readonly ctx: EndpointContext,
  ) {
    super();
  }

  get localSdp(): Buffer {
    return this._localSdp;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** The native channel's event callback. */
  readonly onNative = (ev: NativeEvent): void => {
    switch (ev.action) {
      case 'telephone-event':
        if (!this._closed) this.emit('dtmf', ev.event);
        return;
      case 'play':
        this.onPlayEvent(ev.event, ev.reason);
        return;
      case 'mix':
        if (ev.event === 'finished') {
          this.inMix = false;
          for (const w of this.unmixWaiters.splice(0)) w();
        }
        return;
      case 'record':
        this.recordings.get(ev.file)?.onEvent(ev.event);
        return;
      case 'close':
        this.lastStats = {
          packetsIn: ev.stats?.in?.count ?? 0,
          packetsOut: ev.stats?.out?.count ?? 0,
          dropped: ev.stats?.in?.dropped ?? 0,
          mos: ev.stats?.in?.mos ?? 0,
        };
        this.markClosed(ev.reason);
        return;
      default:
        return;
    }
  };

  /** Answer side: the remote offered; set the remote and build our answer. */
  acceptOffer(offer: AudioOffer): NativeRemote {
    const codec = chooseCodec(offer);
    if (codec === undefined) throw new MediaError('MEDIA_SDP_UNSUPPORTED', 'no codec in common (we take PCMU, PCMA, G722)');
    this.codec = codec;
    this.dtmfPt = offer.dtmfPt ?? DEFAULT_DTMF_PT;
    this.ptime = offer.ptime;
    this.negotiated = fromRemote(offer.direction);
    this._localSdp = answerFor(offer, {
      address: this.ctx.publicAddress,
      port: 0, // replaced once the channel exists (see bindAnswer)
      codec,
      sessionId: this.sessionId,
      sessionVersion: this.sdpVersion,
    });
    return { address: offer.address, port: offer.port, codec: codec.pt, rfc2833pt: this.dtmfPt };
  }

  /** Called once the native channel exists (its port is known). */
  bind(channel: NativeChannel, answering: AudioOffer | undefined): void {
    this.channel = channel;
    if (answering !== undefined && this.codec !== undefined) {
      this._localSdp = answerFor(answering, {
        address: this.ctx.publicAddress,
        port: channel.local.port,
        codec: this.codec,
        sessionId: this.sessionId,
        sessionVersion: this.sdpVersion,
      });
      this.applyDirection();
    } else {
      this._localSdp = buildSdp({
        address: this.ctx.publicAddress,
        port: channel.local.port,
        codecs: OFFER_CODECS,
        dtmfPt: DEFAULT_DTMF_PT,
        ptime: 20,
        sessionId: this.sessionId,
        sessionVersion: this.sdpVersion,
      });
    }
  }

  private requireChannel(): NativeChannel {
    if (this._closed || this.channel === undefined) throw new MediaError('MEDIA_ENDPOINT_CLOSED', `endpoint ${this.id} is closed`);
    return this.channel;
  }

  /** Every failure (closed, unparsable SDP, no common codec) is a rejection with a MediaError, never a throw. */
  setRemoteAnswer(sdp: Buffer): Promise<void> {
    return new Promise((resolve) => resolve(this.applyAnswer(sdp)));
  }

  private applyAnswer(sdp: Buffer): void {
    const channel = this.requireChannel();
    const answer = remoteAudio(parseSdpOrReject(sdp));
    const codec = chooseCodec(answer, OFFER_CODECS.map((c) => c.name));
    if (codec === undefined) throw new MediaError('MEDIA_SDP_UNSUPPORTED', 'answer has no codec we offered');
    this.codec = codec;
    this.dtmfPt = answer.dtmfPt ?? DEFAULT_DTMF_PT;
    this.ptime = answer.ptime;
    channel.remote({ address: answer.address, port: answer.port, codec: codec.pt, rfc2833pt: this.dtmfPt });
    this.negotiated = fromRemote(answer.direction);
    this.applyDirection();
  }

  reoffer(sdp: Buffer): Promise<Buffer> {
    return new Promise((resolve) => resolve(this.applyReoffer(sdp)));
  }

  private applyReoffer(sdp: Buffer): Buffer {
    const channel = this.requireChannel();
    const offer = remoteAudio(parseSdpOrReject(sdp));
    const codec = chooseCodec(offer);
    if (codec === undefined) throw new MediaError('MEDIA_SDP_UNSUPPORTED', 'no codec in common');
    this.codec = codec;
    this.dtmfPt = offer.dtmfPt ?? this.dtmfPt;
    this.ptime = offer.ptime;
    // a held party sends c=0.0.0.0 or port 0 in old-style holds: keep the last good address
    if (offer.port > 0 && offer.address !== '0.0.0.0')
      channel.remote({ address: offer.address, port: offer.port, codec: codec.pt, rfc2833pt: this.dtmfPt });
    this.negotiated = fromRemote(offer.direction);
    this.applyDirection();
    this.sdpVersion++;
    this._localSdp = answerFor(offer, {
      address: this.ctx.publicAddress,
      port: channel.local.port,
      codec,
      sessionId: this.sessionId,
      sessionVersion: this.sdpVersion,
    });
    return this._localSdp;
  }

  /** The SDP we offer in a re-INVITE of our own (hold: sendonly, retrieve: sendrecv). */
  offerWithDirection(direction: Direction): Buffer {
    const channel = this.requireChannel();
    this.sdpVersion++;
    return buildSdp({
      address: this.ctx.publicAddress,
      port: channel.local.port,
      codecs: this.codec !== undefined ? [this.codec] : OFFER_CODECS,
      dtmfPt: this.dtmfPt,
      ptime: this.ptime,
      direction,
      sessionId: this.sessionId,
      sessionVersion: this.sdpVersion,
    });
  }

  play(files: readonly string[], opts: PlayOptions = {}): Promise<PlayResult> {
    if (this._closed || this.channel === undefined) return Promise.resolve('closed');
    if (opts.signal?.aborted === true) return Promise.resolve('stopped');
    if (files.length === 0) return Promise.resolve('completed');
    // no `loop` key unless looping: the engine reads a present-but-undefined loop as "forever"
    const soup = opts.loop === undefined || opts.loop === false ? { files: files.map((wav) => ({ wav })) } : { loop: opts.loop, files: files.map((wav) => ({ wav })) };
    this.playGeneration++;
    if (!this.channel.play(soup))
      return Promise.reject(new MediaError('MEDIA_FILE_NOT_FOUND', `cannot play ${files.join(', ')} (missing or not a WAV)`));
    return new Promise<PlayResult>((resolve) => {
      const entry: PendingPlay = { resolve, started: false, settled: false };
      this.plays.push(entry);
      opts.signal?.addEventListener('abort', () => this.stopEntry(entry), { once: true });
    });
  }

  private stopEntry(entry: PendingPlay): void {
    // only the newest play is audible; an older one has already ended
    if (this.plays[this.plays.length - 1] === entry) this.stopPlay();
  }

  /**
   * projectrtp has no "stop": the current play is settled as stopped now, and
   * replaced by a moment of silence unless another play replaces it first (a
   * replacement requested in the same tick as the silence can be lost by the
   * engine, so the silence waits a tick).
   */
  stopPlay(): void {
    if (this._closed || this.channel === undefined) return;
    const pending = this.plays.filter((p) => !p.settled);
    if (pending.length === 0) return;
    for (const p of pending) {
      p.settled = true;
      p.resolve('stopped');
    }
    const generation = this.playGeneration;
    setImmediate(() => {
      if (generation !== this.playGeneration || this._closed || this.channel === undefined) return;
      this.playGeneration++;
      if (this.channel.play({ files: [{ wav: this.ctx.silenceFile }] })) this.plays.push({ resolve: () => undefined, started: false, settled: true });
    });
  }

  private onPlayEvent(event: string, reason: string): void {
    if (event === 'start') {
      const next = this.plays.find((p) => !p.started);
      if (next !== undefined) next.started = true;
      return;
    }
    if (event !== 'end') return;
    const done = this.plays.shift();
    if (done === undefined || done.settled) return;
    done.settled = true;
    done.resolve(reason === 'completed' ? 'completed' : reason === 'channelclosed' ? 'closed' : 'stopped');
  }

  /** Resolves once the engine has taken this channel out of its mix (or after `timeoutMs`). */
  whenUnmixed(timeoutMs: number): Promise<void> {
    if (!this.inMix || this._closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.unmixWaiters.push(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
  }

  sendDtmf(digits: string): void {
    const clean = digits.replace(/[^0-9A-D*#]/gi, '');
    if (clean.length > 0) this.requireChannel().dtmf(clean);
  }

  /** The call model's direction (hold, listen-only), combined with what SIP negotiated. */
  setDirection(direction: MediaDirection): void {
    this.forced = direction;
    this.applyDirection();
  }

  private applyDirection(): void {
    if (this.channel === undefined || this._closed) return;
    const want = {
      send: this.negotiated.send && (this.forced?.send ?? true),
      recv: this.negotiated.recv && (this.forced?.recv ?? true),
    };
    if (want.send === this.applied.send && want.recv === this.applied.recv) return;
    this.applied = want;
    this.channel.direction(want);
  }

  record(opts: RecordOptions): MediaRecording {
    const channel = this.requireChannel();
    if (this.recordings.has(opts.file)) throw new MediaError('MEDIA_RECORD_FAILED', `already recording to ${opts.file}`);
    const rec = new ProjectRtpRecording(opts.file, opts.channels, channel, () => this.recordings.delete(opts.file));
    this.recordings.set(opts.file, rec);
    if (!channel.record({ file: opts.file, numchannels: opts.channels })) {
      this.recordings.delete(opts.file);
      throw new MediaError('MEDIA_RECORD_FAILED', `projectrtp refused to record to ${opts.file}`);
    }
    return rec;
  }

  stats(): EndpointStats {
    return { ...this.lastStats };
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      if (this._closed || this.channel === undefined) {
        this.markClosed('requested');
        resolve();
        return;
      }
      this.closedResolve = resolve;
      this.channel.close();
      // the engine's close event normally comes within a tick (20 ms); never hang a hangup on it
      setTimeout(() => this.markClosed('requested'), 2000).unref();
    });
    return this.closing;
  }

  private markClosed(reason: string): void {
    if (this._closed) {
      this.closedResolve?.();
      return;
    }
    this._closed = true;
    for (const w of this.unmixWaiters.splice(0)) w();
    for (const p of this.plays.splice(0)) if (!p.settled) p.resolve('closed');
    for (const rec of [...this.recordings.values()]) rec.onEvent('finished.channelclosed');
    this.ctx.onClosed(this);
    this.emit('closed', reason, this.stats());
    this.closedResolve?.();
    this.removeAllListeners();
  }
}

/** SDP errors surface as MediaError MEDIA_SDP_UNSUPPORTED, like every other media failure. */
function parseSdpOrReject(sdp: Buffer): ReturnType<typeof parseSdp> {
  try {
    return parseSdp(sdp);
  } catch (err) {
    throw new MediaError('MEDIA_SDP_UNSUPPORTED', err instanceof Error ? err.message : String(err));
  }
}

function fromRemote(remote: Direction): MediaDirection {
  // their sendonly means we only receive; their recvonly means we only send
  return { send: remote === 'sendrecv' || remote === 'recvonly', recv: remote === 'sendrecv' || remote === 'sendonly' };
}

class ProjectRtpRecording implements MediaRecording {
  private _paused = false;
  private ended = false;
  private resolveDone!: (reason: RecordingEndReason) => void;
  readonly done: Promise<RecordingEndReason>;

  constructor(
    readonly file: string,
    readonly channels: 1 | 2,
    private readonly channel: NativeChannel,
    private readonly forget: () => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get paused(): boolean {
    return this._paused;
  }

  pause(): void {
    if (this.ended || this._paused) return;
    this._paused = true;
    this.channel.record({ file: this.file, pause: true });
  }

  resume(): void {
    if (this.ended || !this._paused) return;
    this._paused = false;
    this.channel.record({ file: this.file, pause: false });
  }

  stop(): Promise<RecordingEndReason> {
    if (!this.ended) this.channel.record({ file: this.file, finish: true });
    return this.done;
  }

  onEvent(event: string): void {
    if (this.ended || !event.startsWith('finished') && !event.startsWith('fail')) return;
    this.ended = true;
    this.forget();
    this.resolveDone(event.startsWith('fail') ? 'failed' : event === 'finished.channelclosed' ? 'closed' : 'stopped');
  }
}

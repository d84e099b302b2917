/**
 * rtpengine as a packetisation edge in front of projectrtp. projectrtp
 * assumes 20 ms packets: a caller sending 30 ms packets (ptime 30, common
 * with carriers; sipp's g711a.pcap) is read as one 20 ms frame per packet,
 * so recordings come out a third short and the audio is mangled. rtpengine
 * re-chunks the media so each side gets the packet size it asked for:
 *
 *   caller  <-- RTP/AVP, ptime 30 -->  rtpengine  <-- RTP/AVP, ptime 20 -->  projectrtp
 *
 * One offer/answer pair per call-id and tags, in either direction:
 *
 *   the caller offers:     offerFromCaller(offer at N ms)   -> offer at 20 ms (to projectrtp)
 *                          answerToCaller(projectrtp answer) -> answer at N ms (to the caller)
 *   we re-offer (hold):    offerToCaller(projectrtp offer)  -> offer at N ms (to the caller)
 *                          answerFromCaller(caller answer)   -> answer at 20 ms (to projectrtp)
 *
 * ng keys (rtpengine 10.5): in an `offer`, `ptime` is the packet time towards
 * the party receiving the offer and `ptime-reverse` the one towards the
 * offerer (written into the answer); both are ignored in `answer` messages.
 * Either engages rtpengine's transcoding engine, which repacketises even
 * when both sides use the same codec (PCMA in, PCMA out). telephone-event
 * goes through as events.
 */
import type { Logger } from '../../log.js';
import { parseSdp, remoteAudio } from '../sdp.js';
import type { NgClient, NgParams } from './ng.js';

/** The packet time projectrtp works in. */
export const ENGINE_PTIME = 20;

export interface PtimeEdgeOptions {
  ng: NgClient;
  logger?: Logger;
  /** Packet time on the engine side (default 20). */
  enginePtime?: number;
}

function text(sdp: Buffer | string): string {
  return typeof sdp === 'string' ? sdp : sdp.toString('utf8');
}

/** The audio ptime an SDP announces (a=ptime, 20 when absent); undefined when it cannot be read. */
export function sdpPtime(sdp: Buffer | string): number | undefined {
  try {
    return remoteAudio(parseSdp(sdp)).ptime;
  } catch {
    return undefined;
  }
}

/**
 * True when a plain (non-WebRTC) offer asks for packets other than 20 ms, so
 * projectrtp needs rtpengine in front to re-chunk them. WebRTC offers
 * (handled by the WebRTC edge) and unreadable SDP (let the media server
 * reject it) are false.
 */
export function needsPtimeEdge(offerSdp: Buffer, enginePtime = ENGINE_PTIME): boolean {
  try {
    const audio = remoteAudio(parseSdp(offerSdp));
    return !audio.webrtc && audio.port !== 0 && audio.ptime !== enginePtime;
  } catch {
    return false;
  }
}

export class PtimeEdge {
  private readonly ng: NgClient;
  private readonly logger: Logger | undefined;
  readonly enginePtime: number;
  /** Call-ids with state in rtpengine (for releaseAll on shutdown). */
  private readonly calls = new Set<string>();

  constructor(opts: PtimeEdgeOptions) {
    this.ng = opts.ng;
    this.logger = opts.logger;
    this.enginePtime = opts.enginePtime ?? ENGINE_PTIME;
  }

  /** Calls this edge has set up and not released. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Plain RTP on both sides: no ICE, no SRTP, RTCP on its own port. */
  private plainFlags(): NgParams {
    return {
      ICE: 'remove',
      DTLS: 'off',
      SDES: ['off'],
      'transport-protocol': 'RTP/AVP',
      'rtcp-mux': ['demux'],
    };
  }

  /**
   * The caller offers (INVITE or re-INVITE): its offer at its own ptime in,
   * an offer at the engine's ptime (20) for projectrtp out. `callerPtime`
   * defaults to the offer's a=ptime (20 when absent).
   */
  async offerFromCaller(callId: string, callerTag: string, callerOffer: Buffer, callerPtime?: number): Promise<Buffer> {
    const towardsCaller = callerPtime ?? sdpPtime(callerOffer) ?? this.enginePtime;
    const res = await this.ng.offer({
      'call-id': callId,
      'from-tag': callerTag,
      sdp: text(callerOffer),
      ...this.plainFlags(),
      ptime: this.enginePtime,
      'ptime-reverse': towardsCaller,
    });
    this.calls.add(callId);
    this.logger?.debug({ callId, callerTag, callerPtime: towardsCaller, enginePtime: this.enginePtime }, 'ptime edge: offer from caller');
    return Buffer.from(res.sdp, 'utf8');
  }

  /** projectrtp's answer (20 ms) in, the answer for the caller (at the caller's ptime, set by the offer) out. */
  async answerToCaller(callId: string, callerTag: string, engineTag: string, engineAnswer: Buffer): Promise<Buffer> {
    const res = await this.ng.answer({
      'call-id': callId,
      'from-tag': callerTag,
      'to-tag': engineTag,
      sdp: text(engineAnswer),
      ...this.plainFlags(),
    });
    this.logger?.debug({ callId, callerTag, engineTag }, 'ptime edge: answer to caller');
    return Buffer.from(res.sdp, 'utf8');
  }

  /**
   * projectrtp re-offers towards the caller (hold, retrieve): its 20 ms offer
   * in, an offer at `callerPtime` for the caller out.
   */
  async offerToCaller(callId: string, engineTag: string, engineOffer: Buffer, callerPtime: number): Promise<Buffer> {
    const res = await this.ng.offer({
      'call-id': callId,
      'from-tag': engineTag,
      sdp: text(engineOffer),
      ...this.plainFlags(),
      ptime: callerPtime,
      'ptime-reverse': this.enginePtime,
    });
    this.calls.add(callId);
    this.logger?.debug({ callId, engineTag, callerPtime }, 'ptime edge: offer to caller');
    return Buffer.from(res.sdp, 'utf8');
  }

  /** The caller's answer to offerToCaller in, the 20 ms answer for projectrtp out. */
  async answerFromCaller(callId: string, engineTag: string, callerTag: string, callerAnswer: Buffer): Promise<Buffer> {
    const res = await this.ng.answer({
      'call-id': callId,
      'from-tag': engineTag,
      'to-tag': callerTag,
      sdp: text(callerAnswer),
      ...this.plainFlags(),
    });
    this.logger?.debug({ callId, engineTag, callerTag }, 'ptime edge: answer from caller');
    return Buffer.from(res.sdp, 'utf8');
  }

  /** Delete the call in rtpengine (unknown calls are fine). */
  async release(callId: string, fromTag?: string): Promise<void> {
    this.calls.delete(callId);
    const warning = await this.ng.delete({ 'call-id': callId, ...(fromTag !== undefined ? { 'from-tag': fromTag } : {}) });
    if (warning !== undefined) this.logger?.debug({ callId, warning }, 'ptime edge: release');
  }

  /** Release every call this edge set up (shutdown). Errors are logged, not thrown. */
  async releaseAll(): Promise<void> {
    const ids = [...this.calls];
    await Promise.all(
      ids.map((id) => this.release(id).catch((err: unknown) => this.logger?.warn({ err, callId: id }, 'ptime edge: release failed'))),
    );
  }
}

/**
 * A media endpoint for a caller whose packets are not 20 ms (ptime 30 from
 * many carriers): the projectrtp endpoint does the work at 20 ms, rtpengine
 * sits between it and the caller and re-chunks the packets both ways. Every
 * SDP that crosses is translated: the caller's offer becomes a 20 ms offer
 * for projectrtp, projectrtp's answer goes back to the caller at the caller's
 * ptime. The rest (play, record, close…) is EdgedEndpoint's.
 */
import { randomUUID } from 'node:crypto';
import { withDirection, type Direction } from './sdp.js';
import type { MediaEndpoint, MediaServer, OpenOptions } from './port.js';
import { EdgedEndpoint } from './edged-endpoint.js';
import { sdpPtime, type PtimeEdge } from './rtpengine/ptime-edge.js';

/** Tags naming the two sides of the rtpengine call. */
const CALLER_TAG = 'clr';
const SERVER_TAG = 'srv';

export interface PtimeEndpointIds extends OpenOptions {
  /** rtpengine call id (unique per leg); default derived from callId and legId. */
  edgeCallId?: string;
}

export class PtimeEndpoint extends EdgedEndpoint {
  /** Our own re-offer (offerWithDirection) waiting for the caller's answer: projectrtp's side of it. */
  private pendingInnerOffer: Buffer | undefined;
  private pendingOuterOffer: Buffer | undefined;

  private constructor(
    inner: MediaEndpoint,
    private readonly edge: PtimeEdge,
    edgeCallId: string,
    localSdp: Buffer,
    /** The caller's packet time (what rtpengine sends it). */
    private callerPtime: number,
  ) {
    super(inner, edgeCallId);
    this._localSdp = localSdp;
  }

  protected releaseEdge(): Promise<void> {
    return this.edge.release(this.edgeCallId);
  }

  /**
   * Answer a caller's offer through rtpengine: the offer goes to projectrtp
   * at 20 ms (media.answer), and localSdp is rtpengine's answer for the
   * caller at the caller's ptime. On failure nothing is left open.
   */
  static async forOffer(media: MediaServer, edge: PtimeEdge, callerOffer: Buffer, ids: PtimeEndpointIds): Promise<PtimeEndpoint> {
    const edgeCallId = ids.edgeCallId ?? `ptime-${ids.callId}-${ids.legId || randomUUID()}`;
    const callerPtime = sdpPtime(callerOffer) ?? edge.enginePtime;
    const release = (): Promise<void> => edge.release(edgeCallId).catch(() => undefined);
    let inner: MediaEndpoint;
    try {
      const engineOffer = await edge.offerFromCaller(edgeCallId, CALLER_TAG, callerOffer, callerPtime);
      inner = await media.answer(engineOffer, { callId: ids.callId, legId: ids.legId });
    } catch (err) {
      await release();
      throw err;
    }
    try {
      const answer = await edge.answerToCaller(edgeCallId, CALLER_TAG, SERVER_TAG, inner.localSdp);
      return new PtimeEndpoint(inner, edge, edgeCallId, answer, callerPtime);
    } catch (err) {
      await inner.close();
      await release();
      throw err;
    }
  }

  /** The caller's packet time, as negotiated (30 for a ptime-30 carrier). */
  get remotePtime(): number {
    return this.callerPtime;
  }

  /** A re-INVITE from the caller: through rtpengine both ways, at the (possibly new) ptime it asks for. */
  async reoffer(sdp: Buffer): Promise<Buffer> {
    this.callerPtime = sdpPtime(sdp) ?? this.callerPtime;
    const engineOffer = await this.edge.offerFromCaller(this.edgeCallId, CALLER_TAG, sdp, this.callerPtime);
    const engineAnswer = await this.inner.reoffer(engineOffer);
    this._localSdp = await this.edge.answerToCaller(this.edgeCallId, CALLER_TAG, SERVER_TAG, engineAnswer);
    return this._localSdp;
  }

  /**
   * Our re-offer to the caller (hold: sendonly, retrieve: sendrecv). It has to
   * be synchronous, so it is rtpengine's SDP the caller already has (same
   * address, port, codec, ptime) with the new direction; rtpengine is told in
   * setRemoteAnswer, when the caller's answer comes back.
   */
  offerWithDirection(direction: Direction): Buffer {
    this.pendingInnerOffer = this.inner.offerWithDirection(direction);
    this.pendingOuterOffer = withDirection(this._localSdp, direction);
    this._localSdp = this.pendingOuterOffer;
    return this.pendingOuterOffer;
  }

  /** The caller's answer to offerWithDirection: rtpengine sees our offer and this answer, projectrtp gets the 20 ms answer. */
  async setRemoteAnswer(sdp: Buffer): Promise<void> {
    const innerOffer = this.pendingInnerOffer ?? this.inner.offerWithDirection('sendrecv');
    this.pendingInnerOffer = undefined;
    this.pendingOuterOffer = undefined;
    await this.edge.offerToCaller(this.edgeCallId, SERVER_TAG, innerOffer, this.callerPtime);
    const engineAnswer = await this.edge.answerFromCaller(this.edgeCallId, SERVER_TAG, CALLER_TAG, sdp);
    await this.inner.setRemoteAnswer(engineAnswer);
  }
}

/**
 * A media endpoint for a browser (WebRTC) leg: the projectrtp endpoint does
 * the work, rtpengine sits between it and the browser. Every SDP that crosses
 * is translated: our plain offer becomes a WebRTC offer (ICE, DTLS-SRTP, Opus
 * besides G.711), the browser's answer and re-offers come back as plain RTP.
 * The rest (play, record, close…) is EdgedEndpoint's.
 */
import { MediaError, type MediaEndpoint, type MediaServer, type OpenOptions } from './port.js';
import { EdgedEndpoint } from './edged-endpoint.js';
import type { WebRtcEdge } from './rtpengine/webrtc-edge.js';

/** Tags naming the two sides of the rtpengine call. */
const SERVER_TAG = 'srv';
const BROWSER_TAG = 'brw';

export class BrowserEndpoint extends EdgedEndpoint {
  private constructor(
    inner: MediaEndpoint,
    private readonly edge: WebRtcEdge,
    edgeCallId: string,
  ) {
    super(inner, edgeCallId);
  }

  /** Wrap `inner` (which has made its plain offer) for a browser we are about to call. */
  static async forOffer(inner: MediaEndpoint, edge: WebRtcEdge, edgeCallId: string): Promise<BrowserEndpoint> {
    const ep = new BrowserEndpoint(inner, edge, edgeCallId);
    ep._localSdp = await edge.offerToBrowser(edgeCallId, SERVER_TAG, inner.localSdp);
    return ep;
  }

  /**
   * A browser calls us: its WebRTC offer becomes a plain offer for a new
   * projectrtp endpoint, whose answer goes back to the browser as WebRTC.
   */
  static async forBrowserOffer(media: MediaServer, edge: WebRtcEdge, browserOffer: Buffer, ids: OpenOptions & { edgeCallId: string }): Promise<BrowserEndpoint> {
    const plainOffer = await edge.offerFromBrowser(ids.edgeCallId, BROWSER_TAG, browserOffer);
    let inner: MediaEndpoint;
    try {
      inner = await media.answer(plainOffer, ids);
    } catch (err) {
      await edge.release(ids.edgeCallId).catch(() => undefined);
      throw err;
    }
    const ep = new BrowserEndpoint(inner, edge, ids.edgeCallId);
    try {
      ep._localSdp = await edge.answerToBrowser(ids.edgeCallId, BROWSER_TAG, SERVER_TAG, inner.localSdp);
    } catch (err) {
      await ep.close();
      throw err;
    }
    return ep;
  }

  async setRemoteAnswer(sdp: Buffer): Promise<void> {
    const plain = await this.edge.answerFromBrowser(this.edgeCallId, SERVER_TAG, BROWSER_TAG, sdp);
    await this.inner.setRemoteAnswer(plain);
  }

  async reoffer(sdp: Buffer): Promise<Buffer> {
    const plainOffer = await this.edge.offerFromBrowser(this.edgeCallId, BROWSER_TAG, sdp);
    const plainAnswer = await this.inner.reoffer(plainOffer);
    this._localSdp = await this.edge.answerToBrowser(this.edgeCallId, BROWSER_TAG, SERVER_TAG, plainAnswer);
    return this._localSdp;
  }

  offerWithDirection(): Buffer {
    // a server-side re-offer to a browser needs an async translation through
    // rtpengine; the call model holds browser legs in media only
    throw new MediaError('MEDIA_SDP_UNSUPPORTED', 'server-initiated re-INVITE to a browser leg is not supported');
  }

  /** Drop only the rtpengine side (also a losing fork's cleanup: the inner endpoint belongs to the winner). */
  async releaseEdge(): Promise<void> {
    await this.edge.release(this.edgeCallId).catch(() => undefined);
  }
}

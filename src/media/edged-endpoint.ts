/**
 * The common half of endpoints that put rtpengine between projectrtp and the
 * remote party (browsers, callers with other packet times): projectrtp does
 * the work (`inner`: play, record, DTMF, bridging — the media server unwraps
 * `.inner`), the subclass translates SDP through its edge. Closing closes the
 * inner endpoint, then releases the rtpengine call, once.
 */
import { TypedEmitter } from '../sip/ua/typed-emitter.js';
import type {
  EndpointStats,
  MediaDirection,
  MediaEndpoint,
  MediaEndpointEvents,
  MediaRecording,
  PlayOptions,
  PlayResult,
  RecordOptions,
} from './port.js';

export abstract class EdgedEndpoint extends TypedEmitter<MediaEndpointEvents> implements MediaEndpoint {
  protected _localSdp: Buffer = Buffer.alloc(0);
  private closing: Promise<void> | undefined;

  protected constructor(
    readonly inner: MediaEndpoint,
    /** rtpengine call id (unique per leg). */
    readonly edgeCallId: string,
  ) {
    super();
    inner.on('dtmf', (d) => this.emit('dtmf', d));
    inner.on('closed', (reason, stats) => {
      void this.close();
      this.emit('closed', reason, stats);
    });
  }

  /** Drop the rtpengine side of this endpoint. */
  protected abstract releaseEdge(): Promise<void>;

  abstract setRemoteAnswer(sdp: Buffer): Promise<void>;
  abstract reoffer(sdp: Buffer): Promise<Buffer>;
  abstract offerWithDirection(direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): Buffer;

  get id(): string {
    return this.inner.id;
  }

  get localSdp(): Buffer {
    return this._localSdp;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  play(files: readonly string[], opts?: PlayOptions): Promise<PlayResult> {
    return this.inner.play(files, opts);
  }

  stopPlay(): void {
    this.inner.stopPlay();
  }

  sendDtmf(digits: string): void {
    this.inner.sendDtmf(digits);
  }

  setDirection(direction: MediaDirection): void {
    this.inner.setDirection(direction);
  }

  record(opts: RecordOptions): MediaRecording {
    return this.inner.record(opts);
  }

  stats(): EndpointStats {
    return this.inner.stats();
  }

  close(reason?: string): Promise<void> {
    this.closing ??= (async () => {
      await this.inner.close(reason);
      await this.releaseEdge().catch(() => undefined);
    })();
    return this.closing;
  }
}

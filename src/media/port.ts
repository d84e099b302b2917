/**
 * The media port: everything the call model asks of a media engine, and
 * nothing about which engine answers. Adapters (projectrtp today, a remote
 * media node later) implement it; the call model and tests use only this.
 *
 * Ownership: a MediaServer owns endpoints; an endpoint owns its playback and
 * recordings. `close()` on an endpoint stops both and is idempotent, so the
 * call model can close a leg's media from any path (hangup, error, shutdown)
 * without counting.
 */
import type { TypedEmitter } from '../sip/ua/typed-emitter.js';

export type MediaErrorCode =
  | 'MEDIA_UNAVAILABLE'
  | 'MEDIA_SDP_UNSUPPORTED'
  | 'MEDIA_ENDPOINT_CLOSED'
  | 'MEDIA_FILE_NOT_FOUND'
  | 'MEDIA_RECORD_FAILED';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** How a digit reached us: RFC 4733 telephone-event in RTP, or a SIP INFO (surfaced by the leg). */
export type DtmfSource = 'rfc4733' | 'info';

export type PlayResult = 'completed' | 'stopped' | 'closed';

export interface PlayOptions {
  /** Repeat the list: true = until stopped, or a count. */
  loop?: boolean | number;
  /** Aborting stops the playback (DTMF barge-in, hangup). */
  signal?: AbortSignal;
}

export interface RecordOptions {
  file: string;
  /** 2: stereo, this endpoint's remote party left and what it hears right; 1: both mixed. */
  channels: 1 | 2;
}

export type RecordingEndReason = 'stopped' | 'closed' | 'failed';

export interface MediaRecording {
  readonly file: string;
  readonly channels: 1 | 2;
  readonly paused: boolean;
  pause(): void;
  resume(): void;
  /** Finish the file; resolves when it is complete on disk. Idempotent. */
  stop(): Promise<RecordingEndReason>;
  /** Resolves when the file is complete, however it ended. */
  readonly done: Promise<RecordingEndReason>;
}

export interface EndpointStats {
  packetsIn: number;
  packetsOut: number;
  /** Packets the jitter buffer dropped (late, duplicate, overflow). */
  dropped: number;
  /** Estimated MOS of what we received (0 when unknown). */
  mos: number;
}

export type MediaEndpointEvents = {
  /** A telephone-event digit (0-9, *, #, A-D) from the remote party. */
  dtmf: [digit: string];
  closed: [reason: string, stats: EndpointStats];
};

export interface MediaDirection {
  /** We send audio to the remote party. */
  send: boolean;
  /** We take the remote party's audio into bridges, mixes and recordings. */
  recv: boolean;
}

export interface MediaEndpoint extends TypedEmitter<MediaEndpointEvents> {
  readonly id: string;
  /** Our current SDP: the answer (answer()) or the offer (offer()). */
  readonly localSdp: Buffer;
  readonly closed: boolean;
  /** Apply the remote's answer to our offer. */
  setRemoteAnswer(sdp: Buffer): Promise<void>;
  /** A new offer from the remote (re-INVITE: hold, retrieve, new address): returns our answer. */
  reoffer(sdp: Buffer): Promise<Buffer>;
  /** Our own new offer for a re-INVITE (hold: sendonly, retrieve: sendrecv), same codec and port. */
  offerWithDirection(direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): Buffer;
  /** Play WAV files in order (8 kHz mono PCM is cheapest). Resolves how it ended; a new play replaces the current one. */
  play(files: readonly string[], opts?: PlayOptions): Promise<PlayResult>;
  stopPlay(): void;
  sendDtmf(digits: string): void;
  setDirection(direction: MediaDirection): void;
  record(opts: RecordOptions): MediaRecording;
  stats(): EndpointStats;
  close(reason?: string): Promise<void>;
}

export interface OpenOptions {
  /** For logs and engine-side labels. */
  callId: string;
  legId: string;
}

/** A group of endpoints that all hear each other (conference, supervisor). */
export interface MediaMix {
  add(endpoint: MediaEndpoint): void;
  remove(endpoint: MediaEndpoint): void;
  readonly members: readonly MediaEndpoint[];
}

export interface MediaTotals {
  opened: number;
  closed: number;
  packetsIn: number;
  packetsOut: number;
  dropped: number;
}

export interface MediaServer {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  healthy(): boolean;
  /** Open an endpoint that answers the remote's SDP offer (endpoint.localSdp is the answer). */
  answer(remoteOffer: Buffer, opts: OpenOptions): Promise<MediaEndpoint>;
  /** Open an endpoint that makes an offer (endpoint.localSdp); complete it with setRemoteAnswer. */
  offer(opts: OpenOptions): Promise<MediaEndpoint>;
  /** Two endpoints hear each other (and nothing else). */
  bridge(a: MediaEndpoint, b: MediaEndpoint): void;
  /** Take an endpoint out of whatever bridge or mix it is in. */
  unbridge(endpoint: MediaEndpoint): void;
  mix(endpoints: readonly MediaEndpoint[]): MediaMix;
  /** Open endpoints (for health and benchmarks). */
  readonly endpointCount: number;
  /** Running totals over endpoints closed so far (benchmarks, metrics). */
  totals(): MediaTotals;
}

/**
 * MediaServer over projectrtp running in this process (its RTP work happens
 * on its own native threads). Bridges and mixes are projectrtp mixes: two
 * channels mixed are a transcoding bridge, three or more a conference where
 * each hears the others.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { MediaError, type MediaEndpoint, type MediaMix, type MediaServer, type MediaTotals, type OpenOptions } from '../port.js';
import { parseSdp, remoteAudio, SdpError } from '../sdp.js';
import { acquireEngine, engineRunning, releaseEngine } from './engine.js';
import type { NativeAddon } from './binding.js';
import { ProjectRtpEndpoint, type EndpointContext } from './endpoint.js';

export interface ProjectRtpOptions {
  /** Address put in our SDP. */
  publicAddress: string;
  portMin: number;
  portMax: number;
  /** Scratch files (the silence used to stop playback, the DTLS cert when HOME is unusable). */
  workDir: string;
  /** End the process-wide engine when this server stops (true for `npm start`; tests share one engine per file). */
  shutdownEngineOnStop: boolean;
  logger?: Logger;
}

export class ProjectRtpMediaServer implements MediaServer {
  readonly name = 'projectrtp';
  private native: NativeAddon | undefined;
  private readonly endpoints = new Set<ProjectRtpEndpoint>();
  private readonly ctx: EndpointContext;
  private stopped = false;
  private readonly sums: MediaTotals = { opened: 0, closed: 0, packetsIn: 0, packetsOut: 0, dropped: 0 };

  constructor(private readonly opts: ProjectRtpOptions) {
    this.ctx = {
      publicAddress: opts.publicAddress,
      silenceFile: join(opts.workDir, 'silence-20ms.wav'),
      onClosed: (ep) => {
        this.endpoints.delete(ep);
        const st = ep.stats();
        this.sums.closed++;
        this.sums.packetsIn += st.packetsIn;
        this.sums.packetsOut += st.packetsOut;
        this.sums.dropped += st.dropped;
      },
    };
  }

  start(): Promise<void> {
    mkdirSync(this.opts.workDir, { recursive: true });
    writeFileSync(this.ctx.silenceFile, silentWav(160));
    this.native = acquireEngine({ portMin: this.opts.portMin, portMax: this.opts.portMax, fallbackHome: this.opts.workDir });
    this.opts.logger?.info({ engine: this.name, ports: `${this.opts.portMin}-${this.opts.portMax}` }, 'media engine ready');
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.stopped || this.native === undefined) return;
    this.stopped = true;
    await Promise.all([...this.endpoints].map((ep) => ep.close()));
    await releaseEngine(this.opts.shutdownEngineOnStop);
  }

  healthy(): boolean {
    return !this.stopped && this.native !== undefined && engineRunning();
  }

  get endpointCount(): number {
    return this.endpoints.size;
  }

  totals(): MediaTotals {
    return { ...this.sums };
  }

  private requireNative(): NativeAddon {
    if (this.native === undefined || this.stopped || !engineRunning()) throw new MediaError('MEDIA_UNAVAILABLE', 'media engine not running');
    return this.native;
  }

  answer(remoteOffer: Buffer, opts: OpenOptions): Promise<MediaEndpoint> {
    try {
      const native = this.requireNative();
      const offer = remoteAudio(parseSdp(remoteOffer));
      if (offer.webrtc) throw new MediaError('MEDIA_SDP_UNSUPPORTED', 'WebRTC offer: route it through the WebRTC edge');
      const ep = new ProjectRtpEndpoint(opts.legId || randomUUID(), this.ctx);
      const remote = ep.acceptOffer(offer);
      const channel = native.openchannel({ remote }, ep.onNative);
      ep.bind(channel, offer);
      this.endpoints.add(ep);
      this.sums.opened++;
      return Promise.resolve(ep);
    } catch (err) {
      return Promise.reject(asMediaError(err));
    }
  }

  offer(opts: OpenOptions): Promise<MediaEndpoint> {
    try {
      const native = this.requireNative();
      const ep = new ProjectRtpEndpoint(opts.legId || randomUUID(), this.ctx);
      const channel = native.openchannel({}, ep.onNative);
      ep.bind(channel, undefined);
      this.endpoints.add(ep);
      this.sums.opened++;
      return Promise.resolve(ep);
    } catch (err) {
      return Promise.reject(asMediaError(err));
    }
  }

  /**
   * Leaving a mix happens on the engine's next tick, and mixing a channel that
   * is still in one fails: endpoints already mixed are unmixed first and the
   * bridge is made once the engine reports them out (within a tick or two).
   */
  bridge(a: MediaEndpoint, b: MediaEndpoint): void {
    const ea = projectrtpOf(a);
    const eb = projectrtpOf(b);
    const busy = [ea, eb].filter((e) => e.inMix);
    for (const e of busy) e.channel?.unmix();
    const join = (): void => {
      if (ea.closed || eb.closed || ea.channel === undefined || eb.channel === undefined) return;
      if (ea.channel.mix(eb.channel)) {
        ea.inMix = true;
        eb.inMix = true;
      } else this.opts.logger?.error({ a: ea.id, b: eb.id, code: 'MEDIA_UNAVAILABLE' }, 'projectrtp refused to bridge');
    };
    if (busy.length === 0) join();
    else {
      const joined = Promise.all(busy.map((e) => e.whenUnmixed(1000))).then(join);
      ea.joined = joined;
      eb.joined = joined;
    }
  }

  unbridge(endpoint: MediaEndpoint): void {
    const ep = unwrap(endpoint);
    if (ep instanceof ProjectRtpEndpoint && !ep.closed && ep.inMix) ep.channel?.unmix();
  }

  /** A mix seeded with endpoints already bridged together (or one endpoint); `add` joins others to it. */
  mix(endpoints: readonly MediaEndpoint[]): MediaMix {
    return new ProjectRtpMix(endpoints, this.opts.logger);
  }
}

/** The projectrtp endpoint doing the work, under any wrapper (a browser leg's edge). */
function unwrap(endpoint: MediaEndpoint): MediaEndpoint {
  let ep = endpoint;
  while (!(ep instanceof ProjectRtpEndpoint) && 'inner' in ep && typeof ep.inner === 'object' && ep.inner !== null) ep = ep.inner as MediaEndpoint;
  return ep;
}

function projectrtpOf(endpoint: MediaEndpoint): ProjectRtpEndpoint {
  const ep = unwrap(endpoint);
  if (!(ep instanceof ProjectRtpEndpoint) || ep.closed || ep.channel === undefined)
    throw new MediaError('MEDIA_ENDPOINT_CLOSED', `endpoint ${endpoint.id} is closed or not a projectrtp endpoint`);
  return ep;
}

class ProjectRtpMix implements MediaMix {
  private readonly list: MediaEndpoint[];

  constructor(
    initial: readonly MediaEndpoint[],
    private readonly logger?: Logger,
  ) {
    this.list = [...initial];
  }

  get members(): readonly MediaEndpoint[] {
    return this.list.filter((ep) => !ep.closed);
  }

  add(endpoint: MediaEndpoint): void {
    if (this.list.includes(endpoint)) return;
    const anchor = this.members[0];
    this.list.push(endpoint);
    if (anchor === undefined) return;
    const a = projectrtpOf(anchor);
    const e = projectrtpOf(endpoint);
    const join = (): void => {
      if (a.closed || e.closed || a.channel === undefined || e.channel === undefined) return;
      // the anchor is in the mix: the newcomer joins it
      if (a.channel.mix(e.channel)) {
        a.inMix = true;
        e.inMix = true;
      } else this.logger?.error({ endpoint: e.id, code: 'MEDIA_UNAVAILABLE' }, 'projectrtp refused to mix');
    };
    // the anchor's own bridge may still be waiting for the engine; the newcomer may have to leave a mix first
    const leaving = e.inMix ? (e.channel?.unmix(), e.whenUnmixed(1000)) : Promise.resolve();
    e.joined = Promise.all([a.joined, leaving]).then(join);
  }

  remove(endpoint: MediaEndpoint): void {
    const i = this.list.indexOf(endpoint);
    if (i < 0) return;
    this.list.splice(i, 1);
    const ep = unwrap(endpoint);
    if (ep instanceof ProjectRtpEndpoint && !ep.closed && ep.inMix) ep.channel?.unmix();
  }
}

function asMediaError(err: unknown): Error {
  if (err instanceof MediaError) return err;
  if (err instanceof SdpError) return new MediaError('MEDIA_SDP_UNSUPPORTED', err.message);
  return new MediaError('MEDIA_UNAVAILABLE', err instanceof Error ? err.message : String(err));
}

/** A mono 8 kHz 16-bit PCM WAV of `samples` zero samples. */
export function silentWav(samples: number): Buffer {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8);
  b.write('fmt ', 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  return b;
}

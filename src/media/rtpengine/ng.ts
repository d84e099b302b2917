/**
 * A small typed client for rtpengine's ng control protocol (bencode over
 * UDP), over npm `rtpengine-client`: ping, offer, answer, delete, query, each
 * with a timeout and coded errors.
 *
 * - A request unanswered within `timeoutMs` rejects MEDIA_RTPENGINE_TIMEOUT.
 * - A response with `result: "error"` rejects MEDIA_RTPENGINE_ERROR carrying
 *   rtpengine's `error-reason` (also as `err.reason`).
 * - After close() every call rejects MEDIA_RTPENGINE_CLOSED.
 *
 * Responses are narrowed from `unknown`; query() also gives a summary with
 * per-tag packet counters (see summarizeQuery).
 */
import rtpengineClient from 'rtpengine-client';
import type { Client, Destination } from 'rtpengine-client';
import type { Logger } from '../../log.js';

export type RtpEngineErrorCode =
  /** The daemon did not come up (exited, or no pong before the start timeout). */
  | 'MEDIA_RTPENGINE_START'
  /** The rtpengine binary is not installed / not executable. */
  | 'MEDIA_RTPENGINE_MISSING'
  /** No ng answer in time. */
  | 'MEDIA_RTPENGINE_TIMEOUT'
  /** rtpengine answered `result: error` (see `reason`), or the answer was malformed. */
  | 'MEDIA_RTPENGINE_ERROR'
  /** The client (or the process) was closed. */
  | 'MEDIA_RTPENGINE_CLOSED';

export class RtpEngineError extends Error {
  override readonly name = 'RtpEngineError';
  constructor(
    readonly code: RtpEngineErrorCode,
    message: string,
    /** rtpengine's `error-reason`, for MEDIA_RTPENGINE_ERROR from the daemon. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** A value in an ng dictionary (bencode: strings, integers, lists, dictionaries). */
export type NgValue = string | number | readonly NgValue[] | { readonly [key: string]: NgValue | undefined };

/** An ng request dictionary; `command` is added by the client. */
export type NgParams = { readonly [key: string]: NgValue | undefined };

export interface NgCallRef {
  'call-id': string;
  'from-tag'?: string;
  'to-tag'?: string;
}

/** offer/answer parameters: the SDP plus any ng flags (ICE, DTLS, codec, flags, replace, …). */
export interface NgSdpParams extends NgParams {
  'call-id': string;
  'from-tag': string;
  'to-tag'?: string;
  sdp: string;
}

export interface NgSdpResult {
  sdp: string;
  /** rtpengine's `warning`, when it gave one. */
  warning?: string;
  raw: Record<string, unknown>;
}

export interface NgStreamSummary {
  localPort: number;
  /** Where rtpengine sends to / learned the peer at (undefined until known). */
  endpoint?: { address: string; port: number };
  /** RTP, RTCP, ICE, … as rtpengine reports them. */
  flags: string[];
  /** What rtpengine received on this stream from the peer. */
  packets: number;
  bytes: number;
  errors: number;
}

export interface NgTagSummary {
  /** The tag ("" for the not-yet-answered side). */
  tag: string;
  /** Transport of the first audio media: RTP/AVP, UDP/TLS/RTP/SAVPF, … */
  protocol?: string;
  /** Media flags: ICE, DTLS-SRTP, rtcp-mux, transcoding, … */
  mediaFlags: string[];
  streams: NgStreamSummary[];
  /** Sum over this tag's streams of what rtpengine received from that party. */
  packetsIn: number;
  bytesIn: number;
}

export interface NgQuerySummary {
  tags: NgTagSummary[];
  totals: { rtp: NgCounters; rtcp: NgCounters };
}

export interface NgCounters {
  packets: number;
  bytes: number;
  errors: number;
}

export interface NgQueryResult {
  summary: NgQuerySummary;
  raw: Record<string, unknown>;
}

export interface NgClientOptions {
  /** rtpengine's ng address. */
  host: string;
  port: number;
  /** Per-request timeout (default 3000 ms). */
  timeoutMs?: number;
  /** Local address to bind the UDP socket to (default: the ng host's family, any port). */
  localAddress?: string;
  logger?: Logger;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function counters(v: unknown): NgCounters {
  const r = isRecord(v) ? v : {};
  return { packets: num(r.packets), bytes: num(r.bytes), errors: num(r.errors) };
}

/** Narrow a raw `query` response into per-tag counters (unknown shapes give zeros, never throw). */
export function summarizeQuery(raw: Record<string, unknown>): NgQuerySummary {
  const tags: NgTagSummary[] = [];
  const rawTags = isRecord(raw.tags) ? raw.tags : {};
  for (const [key, value] of Object.entries(rawTags)) {
    if (!isRecord(value)) continue;
    const medias = Array.isArray(value.medias) ? value.medias.filter(isRecord) : [];
    const audio = medias.find((m) => m.type === 'audio') ?? medias[0];
    const streams: NgStreamSummary[] = [];
    for (const media of medias) {
      const rawStreams = Array.isArray(media.streams) ? media.streams.filter(isRecord) : [];
      for (const s of rawStreams) {
        const ep = isRecord(s.endpoint) ? s.endpoint : {};
        const address = str(ep.address);
        const stats = counters(s.stats);
        streams.push({
          localPort: num(s['local port']),
          ...(address !== undefined ? { endpoint: { address, port: num(ep.port) } } : {}),
          flags: strList(s.flags),
          ...stats,
        });
      }
    }
    const protocol = audio === undefined ? undefined : str(audio.protocol);
    tags.push({
      tag: str(value.tag) ?? key,
      ...(protocol !== undefined ? { protocol } : {}),
      mediaFlags: audio === undefined ? [] : strList(audio.flags),
      streams,
      packetsIn: streams.reduce((n, s) => n + s.packets, 0),
      bytesIn: streams.reduce((n, s) => n + s.bytes, 0),
    });
  }
  const totals = isRecord(raw.totals) ? raw.totals : {};
  return { tags, totals: { rtp: counters(totals.RTP), rtcp: counters(totals.RTCP) } };
}

type Command = 'ping' | 'offer' | 'answer' | 'delete' | 'query';

export class NgClient {
  private readonly client: Client;
  private readonly dest: Destination;
  private readonly timeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly pending = new Set<(err: RtpEngineError) => void>();
  private closed = false;

  constructor(opts: NgClientOptions) {
    this.dest = { host: opts.host, port: opts.port };
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.logger = opts.logger;
    const localAddress = opts.localAddress ?? (opts.host.includes(':') ? '::' : '0.0.0.0');
    this.client = new rtpengineClient.Client({ localPort: 0, localAddress, timeout: this.timeoutMs });
    // The library emits 'error' for late answers (after our timeout) and socket errors;
    // an EventEmitter 'error' without a listener would crash the process.
    this.client.on('error', (err: Error) => {
      this.logger?.debug({ err }, 'rtpengine ng client error');
    });
  }

  get address(): string {
    return `${this.dest.host}:${this.dest.port}`;
  }

  /** Resolves when rtpengine answers `pong`. */
  async ping(): Promise<void> {
    const res = await this.send('ping', undefined);
    if (res.result !== 'pong') {
      throw new RtpEngineError('MEDIA_RTPENGINE_ERROR', `rtpengine ping: unexpected result ${String(res.result)}`);
    }
  }

  offer(params: NgSdpParams): Promise<NgSdpResult> {
    return this.sdpCommand('offer', params);
  }

  answer(params: NgSdpParams & { 'to-tag': string }): Promise<NgSdpResult> {
    return this.sdpCommand('answer', params);
  }

  /**
   * Delete a call (or, with from-tag/to-tag, one branch). A call that is not
   * there is not an error (rtpengine answers ok with a warning); returns the warning.
   */
  async delete(ref: NgCallRef & NgParams): Promise<string | undefined> {
    const res = await this.send('delete', ref);
    return str(res.warning);
  }

  async query(ref: NgCallRef): Promise<NgQueryResult> {
    const raw = await this.send('query', { ...ref });
    return { raw, summary: summarizeQuery(raw) };
  }

  /** Close the socket; pending and later requests reject MEDIA_RTPENGINE_CLOSED. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new RtpEngineError('MEDIA_RTPENGINE_CLOSED', 'rtpengine ng client closed');
    for (const reject of [...this.pending]) reject(err);
    this.pending.clear();
    try {
      this.client.close();
    } catch {
      // already closed
    }
  }

  private async sdpCommand(command: 'offer' | 'answer', params: NgSdpParams): Promise<NgSdpResult> {
    const raw = await this.send(command, params);
    const sdp = str(raw.sdp);
    if (sdp === undefined) {
      throw new RtpEngineError('MEDIA_RTPENGINE_ERROR', `rtpengine ${command}: response without sdp`);
    }
    const warning = str(raw.warning);
    if (warning !== undefined) this.logger?.debug({ command, warning, callId: params['call-id'] }, 'rtpengine warning');
    return { sdp, raw, ...(warning !== undefined ? { warning } : {}) };
  }

  private send(command: Command, params: NgParams | undefined): Promise<Record<string, unknown>> {
    if (this.closed) {
      return Promise.reject(new RtpEngineError('MEDIA_RTPENGINE_CLOSED', 'rtpengine ng client closed'));
    }
    // bencode has no undefined: drop absent keys.
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) body[k] = v;

    return new Promise<Record<string, unknown>>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.pending.delete(rejectPending);
        fn();
      };
      const rejectPending = (err: RtpEngineError): void => finish(() => reject(err));
      this.pending.add(rejectPending);
      // The library has its own timer (same timeoutMs); this one is a backstop.
      const guard = setTimeout(
        () => rejectPending(this.timeoutError(command)),
        this.timeoutMs + 250,
      );

      const call: Promise<unknown> =
        command === 'ping' ? this.client.ping(this.dest) : this.client[command](this.dest, body);
      call.then(
        (res) =>
          finish(() => {
            if (!isRecord(res)) {
              reject(new RtpEngineError('MEDIA_RTPENGINE_ERROR', `rtpengine ${command}: malformed response`));
              return;
            }
            if (res.result === 'error') {
              const reason = str(res['error-reason']) ?? 'unknown error';
              reject(new RtpEngineError('MEDIA_RTPENGINE_ERROR', `rtpengine ${command} failed: ${reason}`, reason));
              return;
            }
            resolve(res);
          }),
        (err: unknown) =>
          finish(() => {
            const message = err instanceof Error ? err.message : String(err);
            reject(
              /timeout/i.test(message)
                ? this.timeoutError(command)
                : new RtpEngineError('MEDIA_RTPENGINE_ERROR', `rtpengine ${command}: ${message}`),
            );
          }),
      );
    });
  }

  private timeoutError(command: Command): RtpEngineError {
    return new RtpEngineError(
      'MEDIA_RTPENGINE_TIMEOUT',
      `rtpengine ${command}: no answer from ${this.address} within ${this.timeoutMs} ms`,
    );
  }
}

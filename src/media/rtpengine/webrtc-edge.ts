/**
 * rtpengine as the WebRTC edge in front of projectrtp: browsers get ICE,
 * DTLS-SRTP, rtcp-mux (and Opus, transcoded by rtpengine); projectrtp sees
 * only plain RTP/AVP with PCMU/PCMA + telephone-event.
 *
 * Two directions, each an offer/answer pair over the same call-id and tags:
 *
 *   we call a browser:   offerToBrowser(plain offer)  -> WebRTC offer  (INVITE to the browser)
 *                        answerFromBrowser(WebRTC answer) -> plain answer (to projectrtp)
 *   a browser calls us:  offerFromBrowser(WebRTC offer) -> plain offer (to projectrtp)
 *                        answerToBrowser(plain answer) -> WebRTC answer (200 OK to the browser)
 *
 * `fromTag` is always the From tag of the request carrying the offer and
 * `toTag` the other party's, so a re-INVITE (hold, retrieve) from either side
 * goes through the same pair again: a re-offer from projectrtp's side uses
 * offerToBrowser/answerFromBrowser, one from the browser offerFromBrowser/answerToBrowser.
 * rtpengine keeps the ICE credentials and DTLS fingerprint across re-offers,
 * so the browser sees a renegotiation, not an ICE restart.
 */
import type { Logger } from '../../log.js';
import type { NgClient, NgParams, NgQuerySummary, NgTagSummary } from './ng.js';

export interface WebRtcEdgeOptions {
  ng: NgClient;
  logger?: Logger;
  /**
   * Offer Opus to browsers besides G.711 (rtpengine transcodes Opus <-> G.711).
   * Default true; rtpengine 10.5 from Debian 12 has Opus ("rtpengine --codecs").
   */
  opus?: boolean;
  /**
   * Put Opus first so the browser picks it (costs a transcode per call on the
   * edge; better audio on lossy links). Default false: G.711 first, so the
   * browser normally answers PCMU and rtpengine only relays.
   */
  preferOpus?: boolean;
  /**
   * Payload type for telephone-event/8000 on the plain side of calls browsers
   * offer (default 101; false keeps the browser's). Chrome offers 126, and
   * projectrtp recognises received RFC 4733 digits only on 101; rtpengine 10.5
   * does not renumber by itself, so the browser's offer is renumbered before
   * rtpengine sees it (Chrome then sends its digits with 101, the answer's number).
   */
  plainDtmfPayloadType?: number | false;
}

export interface WebRtcEdgeStats {
  /** RTP/RTCP packets rtpengine received from the plain (projectrtp) side, i.e. media headed to the browser. */
  packetsToBrowser: number;
  /** Packets rtpengine received from the browser (SRTP, STUN, DTLS included). */
  packetsFromBrowser: number;
  bytesToBrowser: number;
  bytesFromBrowser: number;
  /** Where rtpengine saw the browser's media (after ICE), when known. */
  browserEndpoint?: { address: string; port: number };
  /** Transport on the browser side, e.g. UDP/TLS/RTP/SAVPF. */
  browserProtocol?: string;
  /**
   * rtpengine has set up transcoders for the call (its "transcoding" media
   * flag). Set whenever Opus was offered, even if both sides then chose PCMU
   * and packets are only relayed: not proof of active transcoding.
   */
  transcodingSetUp: boolean;
  /** Call-wide RTP totals from rtpengine. */
  totalRtpPackets: number;
  raw: NgQuerySummary;
}

const G711 = ['PCMU', 'PCMA', 'telephone-event'] as const;

function text(sdp: Buffer | string): string {
  return typeof sdp === 'string' ? sdp : sdp.toString('utf8');
}

/** Move the payload types of `codec` (rtpmap encoding name, case-insensitive) to the front of every m=audio line. */
export function preferCodec(sdp: string, codec: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const pts = new Set<string>();
  const wanted = codec.toLowerCase();
  for (const l of lines) {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(l);
    if (m !== null && m[2]!.toLowerCase() === wanted) pts.add(m[1]!);
  }
  if (pts.size === 0) return sdp;
  return lines
    .map((l) => {
      if (!l.startsWith('m=audio ')) return l;
      const parts = l.split(' ');
      const head = parts.slice(0, 3);
      const fmts = parts.slice(3);
      return [...head, ...fmts.filter((f) => pts.has(f)), ...fmts.filter((f) => !pts.has(f))].join(' ');
    })
    .join(eol);
}

/**
 * Attributes only a browser cares about. rtpengine passes them through to the
 * plain side (10.5 has no `sdp-attr` manipulation), so we drop them ourselves.
 */
const BROWSER_ONLY_ATTRIBUTES = new Set([
  'extmap-allow-mixed',
  'msid-semantic',
  'group',
  'ice-options',
  'msid',
  'ssrc',
  'ssrc-group',
  'rtcp-rsize',
  'rtcp-xr',
  'rtcp-fb',
  'mid',
  'extmap',
]);

/** Drop browser-only a= lines (BUNDLE, msid, ssrc, rtcp-fb, …) from SDP meant for a plain RTP peer. */
export function stripBrowserAttributes(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(/\r?\n/)
    .filter((l) => {
      const m = /^a=([^:\s]+)/.exec(l);
      return m === null || !BROWSER_ONLY_ATTRIBUTES.has(m[1]!.toLowerCase());
    })
    .join(eol);
}

/**
 * Add `a=group:BUNDLE <mids>` when the SDP has none and every m= section has
 * a=mid. rtpengine 10.5 does not write the group; a Chrome peer with
 * bundlePolicy max-bundle then refuses our offer ("max-bundle configured but
 * session description has no BUNDLE group") and our answer to its BUNDLE
 * offer ("Answer cannot remove m= section … from already-established BUNDLE
 * group"). The default balanced policy tolerates either way.
 */
export function ensureBundle(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  if (lines.some((l) => l.startsWith('a=group:'))) return sdp;
  const mids: string[] = [];
  let sections = 0;
  let midInSection = true;
  for (const l of lines) {
    if (l.startsWith('m=')) {
      if (!midInSection) return sdp;
      sections++;
      midInSection = false;
    } else if (sections > 0 && l.startsWith('a=mid:')) {
      mids.push(l.slice(6).trim());
      midInSection = true;
    }
  }
  if (sections === 0 || !midInSection || mids.length !== sections) return sdp;
  // Session-level attribute: after t= (before the first m=).
  const firstMedia = lines.findIndex((l) => l.startsWith('m='));
  const t = lines.findIndex((l) => l.startsWith('t='));
  const at = t >= 0 && t < firstMedia ? t + 1 : firstMedia;
  lines.splice(at, 0, `a=group:BUNDLE ${mids.join(' ')}`);
  return lines.join(eol);
}

function hasBundle(sdp: string): boolean {
  return /^a=group:BUNDLE /m.test(sdp);
}

/**
 * Give `encoding` (e.g. telephone-event/8000) payload type `pt` in every m=
 * section that has it under another number and does not already use `pt`.
 */
export function renumberPayload(sdp: string, encoding: string, pt: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const wanted = encoding.toLowerCase();
  const target = String(pt);
  // Section boundaries: [start, end) of each m= section.
  const starts = lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? lines.length;
    const mline = lines[start]!.split(' ');
    const fmts = mline.slice(3);
    let from: string | undefined;
    for (let i = start + 1; i < end; i++) {
      const r = /^a=rtpmap:(\d+) (\S+)/.exec(lines[i]!);
      if (r !== null && r[2]!.toLowerCase().startsWith(wanted)) from = r[1]!;
    }
    if (from === undefined || from === target || fmts.includes(target)) return;
    lines[start] = [...mline.slice(0, 3), ...fmts.map((f) => (f === from ? target : f))].join(' ');
    for (let i = start + 1; i < end; i++) {
      lines[i] = lines[i]!.replace(new RegExp(`^a=(rtpmap|fmtp|rtcp-fb):${from}(?=\\s)`), `a=$1:${target}`);
    }
  });
  return lines.join(eol);
}

function isBrowserTag(t: NgTagSummary): boolean {
  return (
    (t.protocol?.includes('SAVPF') ?? false) ||
    t.mediaFlags.includes('ICE') ||
    t.mediaFlags.includes('DTLS-SRTP')
  );
}

export class WebRtcEdge {
  private readonly ng: NgClient;
  private readonly logger: Logger | undefined;
  private readonly opus: boolean;
  private readonly preferOpus: boolean;
  private readonly dtmfPt: number | false;
  /** Call-ids with state in rtpengine (for releaseAll on shutdown). */
  private readonly calls = new Set<string>();
  /** `callId fromTag` of browser offers that had a BUNDLE group (their answer must have one too). */
  private readonly bundledOffers = new Set<string>();

  constructor(opts: WebRtcEdgeOptions) {
    this.ng = opts.ng;
    this.logger = opts.logger;
    this.opus = opts.opus ?? true;
    this.preferOpus = opts.preferOpus ?? false;
    this.dtmfPt = opts.plainDtmfPayloadType ?? 101;
  }

  /** Calls this edge has set up and not released. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Flags for SDP going to a browser: ICE, DTLS-SRTP, SAVPF, rtcp-mux only, a=mid. */
  private toBrowserFlags(): NgParams {
    return {
      ICE: 'force',
      SDES: ['off'],
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['offer', 'require'],
      flags: ['generate-mid'],
    };
  }

  /** Flags for SDP going to projectrtp: plain RTP/AVP, no ICE, no DTLS, separate RTCP. */
  private toPlainFlags(): NgParams {
    return {
      ICE: 'remove',
      DTLS: 'off',
      SDES: ['off'],
      'transport-protocol': 'RTP/AVP',
      'rtcp-mux': ['demux'],
      flags: ['strip-extmap'],
    };
  }

  /**
   * We INVITE a browser: projectrtp's plain offer in, the WebRTC offer to send
   * the browser out. G.711 and telephone-event stay; Opus is added (transcoded).
   */
  async offerToBrowser(callId: string, fromTag: string, plainOffer: Buffer): Promise<Buffer> {
    const res = await this.ng.offer({
      'call-id': callId,
      'from-tag': fromTag,
      sdp: text(plainOffer),
      ...this.toBrowserFlags(),
      ...(this.opus ? { codec: { transcode: ['opus/48000/2'] } } : {}),
    });
    this.calls.add(callId);
    const sdp = ensureBundle(this.opus && this.preferOpus ? preferCodec(res.sdp, 'opus') : res.sdp);
    this.logger?.debug({ callId, fromTag }, 'webrtc edge: offer to browser');
    return Buffer.from(sdp, 'utf8');
  }

  /** The browser's WebRTC answer in, the plain answer for projectrtp out. */
  async answerFromBrowser(callId: string, fromTag: string, toTag: string, webrtcAnswer: Buffer): Promise<Buffer> {
    const res = await this.ng.answer({
      'call-id': callId,
      'from-tag': fromTag,
      'to-tag': toTag,
      sdp: text(webrtcAnswer),
      ...this.toPlainFlags(),
    });
    this.logger?.debug({ callId, fromTag, toTag }, 'webrtc edge: answer from browser');
    return Buffer.from(stripBrowserAttributes(res.sdp), 'utf8');
  }

  /**
   * A browser INVITEs us: its WebRTC offer in, a plain RTP/AVP offer with
   * only PCMU/PCMA/telephone-event (no ICE, no DTLS; telephone-event renumbered
   * to plainDtmfPayloadType) for projectrtp out. Browsers offer G.711 too, and
   * rtpengine then answers them with the G.711 codec projectrtp chose (plain
   * relay, no transcoding). With `opus` on, the browser's other codecs are
   * masked rather than stripped, so a browser that offers only Opus still
   * works (rtpengine transcodes).
   */
  async offerFromBrowser(callId: string, fromTag: string, webrtcOffer: Buffer): Promise<Buffer> {
    const offer = this.dtmfPt === false ? text(webrtcOffer) : renumberPayload(text(webrtcOffer), 'telephone-event/8000', this.dtmfPt);
    const res = await this.ng.offer({
      'call-id': callId,
      'from-tag': fromTag,
      sdp: offer,
      ...this.toPlainFlags(),
      codec: this.opus
        ? // mask: gone from the plain offer but still accepted on the browser side (transcoded)
          { mask: ['all'], transcode: [...G711] }
        : { strip: ['all'], except: [...G711] },
    });
    this.calls.add(callId);
    if (hasBundle(text(webrtcOffer))) this.bundledOffers.add(`${callId} ${fromTag}`);
    else this.bundledOffers.delete(`${callId} ${fromTag}`);
    this.logger?.debug({ callId, fromTag }, 'webrtc edge: offer from browser');
    return Buffer.from(stripBrowserAttributes(res.sdp), 'utf8');
  }

  /** projectrtp's plain answer in, the WebRTC answer for the browser out. */
  async answerToBrowser(callId: string, fromTag: string, toTag: string, plainAnswer: Buffer): Promise<Buffer> {
    const res = await this.ng.answer({
      'call-id': callId,
      'from-tag': fromTag,
      'to-tag': toTag,
      sdp: text(plainAnswer),
      ...this.toBrowserFlags(),
    });
    this.logger?.debug({ callId, fromTag, toTag }, 'webrtc edge: answer to browser');
    const sdp = this.bundledOffers.has(`${callId} ${fromTag}`) ? ensureBundle(res.sdp) : res.sdp;
    return Buffer.from(sdp, 'utf8');
  }

  /**
   * Delete the call in rtpengine (with fromTag: that party's dialog, by
   * rtpengine's rules, e.g. one fork of a forked INVITE). Unknown calls are fine.
   */
  async release(callId: string, fromTag?: string): Promise<void> {
    this.calls.delete(callId);
    for (const key of this.bundledOffers) if (key.startsWith(`${callId} `)) this.bundledOffers.delete(key);
    const warning = await this.ng.delete({ 'call-id': callId, ...(fromTag !== undefined ? { 'from-tag': fromTag } : {}) });
    if (warning !== undefined) this.logger?.debug({ callId, warning }, 'webrtc edge: release');
  }

  /** Release every call this edge set up (shutdown). Errors are logged, not thrown. */
  async releaseAll(): Promise<void> {
    const ids = [...this.calls];
    await Promise.all(
      ids.map((id) =>
        this.release(id).catch((err: unknown) => this.logger?.warn({ err, callId: id }, 'webrtc edge: release failed')),
      ),
    );
  }

  /** rtpengine's counters for a call, split into the browser side and the plain side. */
  async stats(callId: string): Promise<WebRtcEdgeStats> {
    const { summary } = await this.ng.query({ 'call-id': callId });
    const browser = summary.tags.filter(isBrowserTag);
    const plain = summary.tags.filter((t) => !isBrowserTag(t));
    const sum = (tags: NgTagSummary[], f: (t: NgTagSummary) => number): number => tags.reduce((n, t) => n + f(t), 0);
    const endpoint = browser.flatMap((t) => t.streams).find((s) => s.endpoint !== undefined && s.endpoint.port !== 0)?.endpoint;
    const protocol = browser[0]?.protocol;
    return {
      packetsToBrowser: sum(plain, (t) => t.packetsIn),
      packetsFromBrowser: sum(browser, (t) => t.packetsIn),
      bytesToBrowser: sum(plain, (t) => t.bytesIn),
      bytesFromBrowser: sum(browser, (t) => t.bytesIn),
      ...(endpoint !== undefined ? { browserEndpoint: endpoint } : {}),
      ...(protocol !== undefined ? { browserProtocol: protocol } : {}),
      transcodingSetUp: summary.tags.some((t) => t.mediaFlags.includes('transcoding')),
      totalRtpPackets: summary.totals.rtp.packets,
      raw: summary,
    };
  }
}

/**
 * SDP for the media layer (RFC 4566 syntax, RFC 3264 offer/answer): a
 * tolerant parser, the facts we need from the remote's audio stream, codec
 * selection, and the small audio-only descriptions we send.
 *
 * The engine behind it (projectrtp) speaks PCMU (pt 0), PCMA (pt 8), G722
 * (pt 9) and iLBC (dynamic pt, 20 ms frames only), plus RFC 4733
 * telephone-event on whatever dynamic payload type the peer picked. All four
 * codecs use an 8000 Hz RTP clock (G722 included: RFC 3551 section 4.5.2).
 */

import { randomInt } from 'node:crypto';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Anything wrong with an SDP body (or with what we were asked to build). */
export class SdpError extends Error {
  readonly code = 'SDP_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SdpError';
  }
}

export interface RtpMap {
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface SdpMedia {
  type: string;
  port: number;
  proto: string;
  /** Payload types of an RTP m= line in offer order; empty for non-RTP protos. */
  payloads: number[];
  rtpmap: Map<number, RtpMap>;
  fmtp: Map<number, string>;
  direction?: Direction;
  ptime?: number;
  /** c= address at media level. */
  connection?: string;
  iceUfrag?: string;
  icePwd?: string;
  /** a=candidate values, without the "candidate:" prefix. */
  candidates: string[];
  fingerprint?: { hash: string; value: string };
  setup?: string;
  rtcpMux: boolean;
  /** Other a= lines verbatim (without "a="). */
  other: string[];
  /** The m= line's format tokens verbatim (also the non-numeric ones, e.g. webrtc-datachannel). */
  formats?: string[];
}

export interface Sdp {
  originUser: string;
  sessionId: string;
  sessionVersion: string;
  originAddress: string;
  sessionName: string;
  connection?: string;
  direction?: Direction;
  media: SdpMedia[];
  iceUfrag?: string;
  icePwd?: string;
  fingerprint?: { hash: string; value: string };
  setup?: string;
}

/** Largest body we parse. */
const MAX_SDP_BYTES = 64 * 1024;

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** `s` quoted for an error message, cut short. */
function q(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}

function isDirection(s: string): s is Direction {
  return DIRECTIONS.has(s);
}

function parseFingerprint(value: string): { hash: string; value: string } | undefined {
  const [hash, fp] = value.trim().split(/\s+/);
  return hash !== undefined && hash !== '' && fp !== undefined ? { hash, value: fp } : undefined;
}

function parseRtpmap(value: string): [number, RtpMap] | undefined {
  const r = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,9})(?:\/(\d{1,3}))?\s*$/.exec(value);
  if (r === null) return undefined;
  const pt = Number(r[1]);
  if (pt > 127) return undefined;
  const map: RtpMap = { encoding: r[2]!, clockRate: Number(r[3]) };
  if (r[4] !== undefined) map.channels = Number(r[4]);
  return [pt, map];
}

function newMedia(value: string): SdpMedia {
  const tokens = value.trim().split(/\s+/);
  const [type, portField, proto] = tokens;
  if (type === undefined || type === '' || portField === undefined || proto === undefined) {
    throw new SdpError(`bad m= line ${q(value)}: want "m=<media> <port> <proto> <fmt>..."`);
  }
  const p = /^(\d{1,5})(?:\/\d{1,5})?$/.exec(portField);
  const port = p === null ? NaN : Number(p[1]);
  if (!(port >= 0 && port <= 65535)) throw new SdpError(`bad port ${q(portField)} in m= line`);
  const formats = tokens.slice(3);
  const payloads: number[] = [];
  if (/RTP\//i.test(proto)) {
    for (const f of formats) {
      if (!/^\d{1,3}$/.test(f) || Number(f) > 127) throw new SdpError(`bad payload type ${q(f)} in m= line`);
      payloads.push(Number(f));
    }
  }
  return {
    type,
    port,
    proto,
    payloads,
    rtpmap: new Map(),
    fmtp: new Map(),
    candidates: [],
    rtcpMux: false,
    other: [],
    formats,
  };
}

/** Apply one a= line to the media section, or to the session when `m` is undefined. */
function applyAttribute(sdp: Sdp, m: SdpMedia | undefined, attr: string): void {
  const colon = attr.indexOf(':');
  const name = (colon < 0 ? attr : attr.slice(0, colon)).trim().toLowerCase();
  const value = colon < 0 ? '' : attr.slice(colon + 1);
  if (isDirection(name)) {
    if (m === undefined) sdp.direction = name;
    else m.direction = name;
    return;
  }
  const target: Sdp | SdpMedia = m ?? sdp;
  switch (name) {
    case 'ice-ufrag':
      target.iceUfrag = value.trim();
      return;
    case 'ice-pwd':
      target.icePwd = value.trim();
      return;
    case 'setup':
      target.setup = value.trim();
      return;
    case 'fingerprint': {
      const fp = parseFingerprint(value);
      if (fp !== undefined) {
        target.fingerprint = fp;
        return;
      }
      break;
    }
  }
  if (m === undefined) return; // other session-level attributes are not kept
  switch (name) {
    case 'rtpmap': {
      const r = parseRtpmap(value);
      if (r !== undefined && !m.rtpmap.has(r[0])) {
        m.rtpmap.set(r[0], r[1]);
        return;
      }
      break;
    }
    case 'fmtp': {
      const f = /^(\d{1,3})(?:\s+(.*))?$/.exec(value.trim());
      if (f !== null && Number(f[1]) <= 127) {
        m.fmtp.set(Number(f[1]), f[2] ?? '');
        return;
      }
      break;
    }
    case 'ptime': {
      const t = Number(value.trim());
      if (value.trim() !== '' && Number.isFinite(t) && t > 0) {
        m.ptime = t;
        return;
      }
      break;
    }
    case 'candidate':
      m.candidates.push(value);
      return;
    case 'rtcp-mux':
      m.rtcpMux = true;
      return;
  }
  m.other.push(attr);
}

/**
 * Parse an SDP body. CRLF or bare LF line ends, blank lines and trailing
 * white space are tolerated, unknown line types ignored; throws SdpError
 * when it is not SDP at all (no leading v=0, no o=, a malformed m= or c=
 * line, more than 64 KiB).
 */
export function parseSdp(input: Buffer | string): Sdp {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_SDP_BYTES) throw new SdpError(`SDP too large (${size} bytes, limit ${MAX_SDP_BYTES})`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = text.replace(/^\uFEFF/, '').split('\n');

  const sdp: Sdp = {
    originUser: '',
    sessionId: '',
    sessionVersion: '',
    originAddress: '',
    sessionName: '',
    media: [],
  };
  let sawVersion = false;
  let sawOrigin = false;
  let media: SdpMedia | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    if (line === '') continue;
    if (!sawVersion && !line.startsWith('v=')) throw new SdpError('SDP must start with a v= line');
    const type = line[0]!;
    if (line[1] !== '=' || !/^[a-zA-Z]$/.test(type)) {
      throw new SdpError(`line ${i + 1}: expected "<type>=<value>", got ${q(line)}`);
    }
    const value = line.slice(2);
    if (!sawVersion) {
      if (value.trim() !== '0') throw new SdpError(`unsupported SDP version ${q(value)}`);
      sawVersion = true;
      continue;
    }
    switch (type) {
      case 'o': {
        const t = value.trim().split(/\s+/);
        if (t.length < 6) throw new SdpError(`bad o= line ${q(value)}`);
        // a username with spaces is illegal but seen; the last five fields are fixed
        const f = t.slice(-5);
        sdp.originUser = t.slice(0, -5).join(' ');
        sdp.sessionId = f[0]!;
        sdp.sessionVersion = f[1]!;
        sdp.originAddress = f[4]!;
        sawOrigin = true;
        break;
      }
      case 's':
        sdp.sessionName = value;
        break;
      case 'c': {
        const t = value.trim().split(/\s+/);
        if (t.length < 3 || t[2] === '') throw new SdpError(`bad c= line ${q(value)}`);
        const address = t[2]!.split('/')[0]!; // drop multicast /ttl/count
        if (media === undefined) sdp.connection = address;
        else media.connection = address;
        break;
      }
      case 'm':
        media = newMedia(value);
        sdp.media.push(media);
        break;
      case 'a':
        applyAttribute(sdp, media, value);
        break;
      default:
        break; // t=, b=, i=, u=, e=, p=, k=, r=, z= and unknown letters carry nothing we use
    }
  }
  if (!sawVersion) throw new SdpError('empty SDP');
  if (!sawOrigin) throw new SdpError('missing o= line');
  return sdp;
}

// ---------------------------------------------------------------------------
// offer / answer

export interface AudioCodec {
  pt: number;
  name: 'PCMU' | 'PCMA' | 'G722' | 'iLBC';
  clockRate: number;
}

/** What we learned from the remote side's audio m= line. */
export interface AudioOffer {
  address: string;
  port: number;
  /** Supported codecs in the remote's order. */
  codecs: AudioCodec[];
  /** Payload type of telephone-event/8000, if offered. */
  dtmfPt?: number;
  /** a=ptime, default 20. */
  ptime: number;
  /** Media-level, else session-level, else sendrecv; port 0 => inactive. */
  direction: Direction;
  /** Proto contains SAVPF or DTLS (or is UDP/TLS/...), or there is a fingerprint or ICE. */
  webrtc: boolean;
  /** Direction sendonly or inactive, or the RFC 2543 c=0.0.0.0 style. */
  hold: boolean;
  /** iLBC frame mode (20 or 30; RFC 3952 default 30) when iLBC is offered. */
  iLbcMode?: number;
  /** Every m= line of the description, so an answer can reject the others (RFC 3264 section 6). */
  streams?: { type: string; proto: string; formats: string[] }[];
  /** Index of the audio stream in `streams`. */
  audioIndex?: number;
}

const CODEC_NAMES: Record<string, AudioCodec['name']> = { pcmu: 'PCMU', pcma: 'PCMA', g722: 'G722', ilbc: 'iLBC' };
const STATIC_CODECS: ReadonlyMap<number, AudioCodec['name']> = new Map([
  [0, 'PCMU'],
  [8, 'PCMA'],
  [9, 'G722'],
]);
/** RTP clock rate of every codec we speak (G722 too: RFC 3551 keeps it at 8000). */
const RTP_CLOCK = 8000;

function codecFor(pt: number, map: RtpMap | undefined): AudioCodec | undefined {
  if (map === undefined) {
    const name = STATIC_CODECS.get(pt);
    return name === undefined ? undefined : { pt, name, clockRate: RTP_CLOCK };
  }
  const name = CODEC_NAMES[map.encoding.toLowerCase()];
  if (name === undefined || (map.channels !== undefined && map.channels !== 1)) return undefined;
  // some G722 stacks advertise the 16 kHz sampling rate; it is the same codec
  const rateOk = map.clockRate === RTP_CLOCK || (name === 'G722' && map.clockRate === 16000);
  return rateOk ? { pt, name, clockRate: RTP_CLOCK } : undefined;
}

function ilbcMode(fmtp: string | undefined): number {
  const r = fmtp === undefined ? null : /(?:^|[;\s])mode\s*=\s*(\d+)/.exec(fmtp);
  return r !== null && r[1] === '20' ? 20 : 30;
}

/**
 * The remote's audio stream: the first audio m= line with a port, else the
 * first audio m= line at all (a rejected one, reported inactive). Throws
 * SdpError when there is no audio stream or no address for it.
 */
export function remoteAudio(sdp: Sdp): AudioOffer {
  let audioIndex = sdp.media.findIndex((m) => m.type.toLowerCase() === 'audio' && m.port !== 0);
  if (audioIndex < 0) audioIndex = sdp.media.findIndex((m) => m.type.toLowerCase() === 'audio');
  const m = sdp.media[audioIndex];
  if (m === undefined) throw new SdpError('no audio stream');
  const address = m.connection ?? sdp.connection;
  if (address === undefined) throw new SdpError('no c= address for the audio stream');

  const codecs: AudioCodec[] = [];
  let dtmfPt: number | undefined;
  for (const pt of m.payloads) {
    const map = m.rtpmap.get(pt);
    if (dtmfPt === undefined && map?.encoding.toLowerCase() === 'telephone-event' && map.clockRate === RTP_CLOCK) {
      dtmfPt = pt;
      continue;
    }
    const codec = codecFor(pt, map);
    if (codec !== undefined) codecs.push(codec);
  }
  const ilbc = codecs.find((c) => c.name === 'iLBC');

  const direction: Direction = m.port === 0 ? 'inactive' : (m.direction ?? sdp.direction ?? 'sendrecv');
  const webrtc =
    /SAVPF|DTLS|UDP\/TLS/i.test(m.proto) || // UDP/TLS/RTP/SAVP is DTLS-SRTP too (RFC 5764)
    (m.fingerprint ?? sdp.fingerprint) !== undefined ||
    (m.iceUfrag ?? sdp.iceUfrag) !== undefined ||
    m.candidates.length > 0;
  const offer: AudioOffer = {
    address,
    port: m.port,
    codecs,
    ptime: m.ptime ?? 20,
    direction,
    webrtc,
    hold: direction === 'sendonly' || direction === 'inactive' || address === '0.0.0.0' || address === '::',
    streams: sdp.media.map((s) => ({ type: s.type, proto: s.proto, formats: s.formats ?? s.payloads.map(String) })),
    audioIndex,
  };
  if (dtmfPt !== undefined) offer.dtmfPt = dtmfPt;
  if (ilbc !== undefined) offer.iLbcMode = ilbcMode(m.fmtp.get(ilbc.pt));
  return offer;
}

/**
 * The codec to answer with: without a preference, the first one in the
 * remote's order (the answerer honours the offerer's order); with one, the
 * first name of `preference` that the remote offered (names not listed are
 * not accepted, so an empty list accepts nothing). iLBC is only accepted
 * in 20 ms mode, the only one the engine speaks (RFC 3952: 30 wins if
 * either side says 30).
 */
export function chooseCodec(offer: AudioOffer, preference?: AudioCodec['name'][]): AudioCodec | undefined {
  const usable = offer.codecs.filter((c) => c.name !== 'iLBC' || offer.iLbcMode === 20);
  if (preference === undefined) return usable[0];
  for (const name of preference) {
    const c = usable.find((u) => u.name === name);
    if (c !== undefined) return c;
  }
  return undefined;
}

/** The direction that answers `d` (RFC 3264 section 6.1). */
export function directionAnswer(d: Direction): Direction {
  switch (d) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    default:
      return d;
  }
}

// ---------------------------------------------------------------------------
// building

export interface LocalAudio {
  address: string;
  port: number;
  codecs: AudioCodec[];
  dtmfPt?: number;
  ptime?: number;
  direction?: Direction;
  sessionId?: string;
  sessionVersion?: number;
  username?: string;
}

function checkPt(pt: number, what: string): void {
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new SdpError(`${what}: bad payload type ${pt}`);
}

/** Lines of the o=/s=/c=/t= header plus `m=audio` and its attributes. */
function audioLines(local: LocalAudio, fmtp: Map<number, string>): string[] {
  const address = local.address.replace(/^\[(.*)\]$/, '$1'); // [v6] literal as in SIP URIs
  const { port } = local;
  if (address === '' || /\s/.test(address)) throw new SdpError(`buildSdp: bad address ${q(address)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SdpError(`buildSdp: bad port ${port}`);
  if (local.codecs.length === 0) throw new SdpError('buildSdp: no codecs');
  const pts = local.codecs.map((c) => c.pt);
  if (local.dtmfPt !== undefined) pts.push(local.dtmfPt);
  for (const pt of pts) checkPt(pt, 'buildSdp');
  if (new Set(pts).size !== pts.length) throw new SdpError(`buildSdp: duplicate payload type in ${pts.join(' ')}`);
  const ptime = local.ptime ?? 20;
  if (!(ptime > 0 && Number.isFinite(ptime))) throw new SdpError(`buildSdp: bad ptime ${ptime}`);
  const sessionId = local.sessionId ?? String(randomInt(1, 2 ** 47));
  if (!/^\d+$/.test(sessionId)) throw new SdpError(`buildSdp: bad session id ${q(sessionId)}`);
  const version = local.sessionVersion ?? 1;
  if (!Number.isSafeInteger(version) || version < 0) throw new SdpError(`buildSdp: bad session version ${version}`);
  const username = (local.username ?? 'hotline').replace(/\s+/g, '-') || '-';
  const ipv = address.includes(':') ? 'IP6' : 'IP4';

  const lines = [
    'v=0',
    `o=${username} ${sessionId} ${version} IN ${ipv} ${address}`,
    's=hotline',
    `c=IN ${ipv} ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts.join(' ')}`,
  ];
  for (const c of local.codecs) {
    lines.push(`a=rtpmap:${c.pt} ${c.name}/${RTP_CLOCK}`);
    const f = fmtp.get(c.pt);
    if (f !== undefined) lines.push(`a=fmtp:${c.pt} ${f}`);
  }
  if (local.dtmfPt !== undefined) {
    lines.push(`a=rtpmap:${local.dtmfPt} telephone-event/${RTP_CLOCK}`, `a=fmtp:${local.dtmfPt} 0-16`);
  }
  lines.push(`a=ptime:${ptime}`, `a=${local.direction ?? 'sendrecv'}`);
  return lines;
}

function finish(lines: string[]): Buffer {
  return Buffer.from([...lines, ''].join('\r\n'));
}

/**
 * An audio-only description (an offer, or the base of an answer): our codecs
 * in order, telephone-event 0-16 when `dtmfPt` is set, a=ptime (default 20)
 * and a direction (default sendrecv). iLBC is advertised as mode=20.
 */
export function buildSdp(local: LocalAudio): Buffer {
  const fmtp = new Map<number, string>();
  for (const c of local.codecs) if (c.name === 'iLBC') fmtp.set(c.pt, 'mode=20');
  return finish(audioLines(local, fmtp));
}

/**
 * The answer to `offer` using `local.codec` (normally from chooseCodec, so
 * with the offer's payload type): the offer's telephone-event PT and ptime,
 * the direction answering theirs unless `local.direction` says otherwise.
 * A rejected offer (port 0) is answered with port 0, and every other m= line
 * of the offer is answered with a rejected (port 0) one in its place.
 */
export function answerFor(
  offer: AudioOffer,
  local: { address: string; port: number; codec: AudioCodec; sessionId?: string; sessionVersion?: number; direction?: Direction },
): Buffer {
  const fmtp = new Map<number, string>();
  if (local.codec.name === 'iLBC') fmtp.set(local.codec.pt, `mode=${offer.iLbcMode ?? 30}`);
  const base: LocalAudio = {
    address: local.address,
    port: offer.port === 0 ? 0 : local.port,
    codecs: [local.codec],
    ptime: offer.ptime,
    direction: local.direction ?? directionAnswer(offer.direction),
  };
  if (offer.dtmfPt !== undefined && offer.dtmfPt !== local.codec.pt) base.dtmfPt = offer.dtmfPt;
  if (local.sessionId !== undefined) base.sessionId = local.sessionId;
  if (local.sessionVersion !== undefined) base.sessionVersion = local.sessionVersion;
  const lines = audioLines(base, fmtp);

  const streams = offer.streams;
  const at = offer.audioIndex ?? 0;
  if (streams === undefined || streams.length <= 1 || streams[at] === undefined) return finish(lines);
  // RFC 3264 section 6: one m= line per offered one, in the same order
  const header = lines.slice(0, 5);
  const audio = lines.slice(5);
  const out = [...header];
  streams.forEach((s, i) => {
    if (i === at) out.push(...audio);
    else out.push(`m=${s.type} 0 ${s.proto}${s.formats.length > 0 ? ` ${s.formats.join(' ')}` : ''}`);
  });
  return finish(out);
}

/**
 * `sdp` with its audio direction set to `direction` (hold = sendonly,
 * retrieve = sendrecv): a session-level direction attribute is replaced,
 * every audio section gets exactly this one (added when absent), other
 * media sections keep theirs; the o= session version becomes `version`, or
 * the old one + 1. Everything else is kept byte for byte.
 */
export function withDirection(sdp: Buffer, direction: Direction, version?: number): Buffer {
  parseSdp(sdp); // validate (throws SdpError)
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
    throw new SdpError(`withDirection: bad session version ${version}`);
  }
  const text = sdp.toString('utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();

  const out: string[] = [];
  let section: 'session' | 'audio' | 'other' = 'session';
  let audioHasDirection = false;
  const closeSection = (): void => {
    if (section === 'audio' && !audioHasDirection) out.push(`a=${direction}`);
  };
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith('m=')) {
      closeSection();
      section = /^m=audio\s/i.test(line) ? 'audio' : 'other';
      audioHasDirection = false;
      out.push(raw);
      continue;
    }
    if (line.startsWith('o=')) {
      const t = line.slice(2).trim().split(/\s+/);
      const idx = t.length - 4; // the version is the 4th field from the end
      const old = t[idx]!;
      if (version === undefined && !/^\d+$/.test(old)) throw new SdpError(`withDirection: session version ${q(old)} is not a number`);
      t[idx] = version !== undefined ? String(version) : (BigInt(old) + 1n).toString();
      out.push(`o=${t.join(' ')}`);
      continue;
    }
    if (line.startsWith('a=') && isDirection(line.slice(2).trim().toLowerCase())) {
      if (section === 'other') out.push(raw);
      else if (section === 'session') out.push(`a=${direction}`);
      else if (!audioHasDirection) {
        out.push(`a=${direction}`);
        audioHasDirection = true;
      } // a second direction line in the same audio section is dropped
      continue;
    }
    out.push(raw);
  }
  closeSection();
  return Buffer.from([...out, ''].join(eol));
}

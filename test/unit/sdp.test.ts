/**
 * SDP parser, audio offer extraction, codec choice and the descriptions we
 * build, against SDPs as real peers send them (sipp, desk phones, carriers,
 * Chromium via JsSIP), plus totality of the parser on arbitrary input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SdpError,
  answerFor,
  buildSdp,
  chooseCodec,
  directionAnswer,
  parseSdp,
  remoteAudio,
  withDirection,
  type AudioCodec,
  type Direction,
} from '../../src/media/sdp.js';

const crlf = (lines: string[]): string => [...lines, ''].join('\r\n');
const offerOf = (s: string | Buffer) => remoteAudio(parseSdp(s));
const attrs = (b: Buffer): string[] => b.toString().split('\r\n').filter((l) => l.startsWith('a='));

// ---------------------------------------------------------------------------
// fixtures

/** sipp's built-in uac scenario: one codec, no rtpmap, LF only. */
const SIPP_MINIMAL = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  '',
].join('\n');

const SIPP_DTMF = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 10.0.0.5',
  's=-',
  'c=IN IP4 10.0.0.5',
  't=0 0',
  'm=audio 6000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
]);

const DESK_PHONE = crlf([
  'v=0',
  'o=- 20015 20015 IN IP4 192.168.1.50',
  's=SDP data',
  'c=IN IP4 192.168.1.50',
  't=0 0',
  'm=audio 11796 RTP/AVP 8 0 9 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:9 G722/8000',
  'a=fmtp:101 0-15',
  'a=rtpmap:101 telephone-event/8000',
  'a=ptime:20',
  'a=sendrecv',
]);

const CARRIER_PCMA_30 = crlf([
  'v=0',
  'o=Sonus_UAC 2789 1230 IN IP4 203.0.113.7',
  's=SIP Media Capabilities',
  'c=IN IP4 203.0.113.8',
  't=0 0',
  'm=audio 20000 RTP/AVP 8 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:30',
  'a=maxptime:30',
  'a=sendrecv',
]);

const TE_96 = crlf([
  'v=0',
  'o=gw 1 1 IN IP4 198.51.100.20',
  's=-',
  'c=IN IP4 198.51.100.20',
  't=0 0',
  'm=audio 7078 RTP/AVP 0 8 96',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
]);

const ILBC = (mode?: number): string =>
  crlf([
    'v=0',
    'o=- 7 7 IN IP4 192.0.2.44',
    's=-',
    'c=IN IP4 192.0.2.44',
    't=0 0',
    'm=audio 4000 RTP/AVP 97 0 101',
    'a=rtpmap:97 iLBC/8000',
    ...(mode === undefined ? [] : [`a=fmtp:97 mode=${mode}`]),
    'a=rtpmap:101 telephone-event/8000',
  ]);

/** Chromium 12x offer as sent by JsSIP after ICE gathering (c= at media level). */
const CHROMIUM = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 5e1e4cf6-6d6b-4f5d-a1b8-2f6c7f2a9d11',
  'm=audio 54321 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 192.0.2.10',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.0.2.10 54321 typ host generation 0 network-id 1',
  'a=candidate:435653019 1 tcp 1518280447 192.0.2.10 9 typ host tcptype active generation 0 network-id 1',
  'a=ice-ufrag:4ZcD',
  'a=ice-pwd:2/1muCWoOi3uLifh0NuRHlgr',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 75:74:5B:0A:E6:26:2E:F8:8D:E7:81:E0:5C:8F:5E:6A:6E:0C:A8:33:13:DB:89:10:DF:62:41:F5:45:1F:6E:19',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=sendrecv',
  'a=msid:5e1e4cf6-6d6b-4f5d-a1b8-2f6c7f2a9d11 0d1f3c1e-8b2e-4c57-9d4a-3b7e6f2c1a00',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:3510681183 cname:Yj6k1xQ0mP3sT9Zq',
]);

const holdOffer = (extra: string[], conn = '192.168.1.50'): string =>
  crlf(['v=0', 'o=- 20015 20016 IN IP4 192.168.1.50', 's=-', `c=IN IP4 ${conn}`, 't=0 0', 'm=audio 11796 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', ...extra]);

const PCMU: AudioCodec = { pt: 0, name: 'PCMU', clockRate: 8000 };
const PCMA: AudioCodec = { pt: 8, name: 'PCMA', clockRate: 8000 };
const G722: AudioCodec = { pt: 9, name: 'G722', clockRate: 8000 };

// ---------------------------------------------------------------------------

describe('parseSdp', () => {
  it('sipp minimal offer (LF only, no rtpmap) parses', () => {
    const sdp = parseSdp(SIPP_MINIMAL);
    expect(sdp).toMatchObject({
      originUser: 'user1',
      sessionId: '53655765',
      sessionVersion: '2353687637',
      originAddress: '127.0.0.1',
      sessionName: '-',
      connection: '127.0.0.1',
    });
    expect(sdp.media).toHaveLength(1);
    expect(sdp.media[0]).toMatchObject({ type: 'audio', port: 6000, proto: 'RTP/AVP', payloads: [0], rtcpMux: false });
    expect(sdp.media[0]!.rtpmap.size).toBe(0);
  });

  it('accepts a Buffer and CRLF line ends', () => {
    const sdp = parseSdp(Buffer.from(DESK_PHONE));
    const m = sdp.media[0]!;
    expect(m.payloads).toEqual([8, 0, 9, 101]);
    expect(m.rtpmap.get(9)).toEqual({ encoding: 'G722', clockRate: 8000 });
    expect(m.rtpmap.get(101)).toEqual({ encoding: 'telephone-event', clockRate: 8000 });
    expect(m.fmtp.get(101)).toBe('0-15');
    expect(m.ptime).toBe(20);
    expect(m.direction).toBe('sendrecv');
  });

  it('tolerates blank lines, trailing white space and unknown line types', () => {
    const sdp = parseSdp('v=0 \r\n\r\no=- 1 1 IN IP4 10.0.0.1\t\r\nx=whatever\r\ns=\r\nc=IN IP4 10.0.0.1\r\nb=AS:64\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n\r\n');
    expect(sdp.media[0]!.port).toBe(5004);
    expect(sdp.sessionName).toBe('');
  });

  it('Chromium WebRTC offer → ICE, fingerprint, setup, rtcp-mux, candidates, channels, other attributes', () => {
    const sdp = parseSdp(CHROMIUM);
    expect(sdp.connection).toBeUndefined();
    const m = sdp.media[0]!;
    expect(m.proto).toBe('UDP/TLS/RTP/SAVPF');
    expect(m.connection).toBe('192.0.2.10');
    expect(m.payloads).toEqual([111, 63, 9, 0, 8, 13, 110, 126]);
    expect(m.rtpmap.get(111)).toEqual({ encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(m.fmtp.get(111)).toBe('minptime=10;useinbandfec=1');
    expect(m.iceUfrag).toBe('4ZcD');
    expect(m.icePwd).toBe('2/1muCWoOi3uLifh0NuRHlgr');
    expect(m.fingerprint?.hash).toBe('sha-256');
    expect(m.fingerprint?.value).toMatch(/^75:74:5B:/);
    expect(m.setup).toBe('actpass');
    expect(m.rtcpMux).toBe(true);
    expect(m.candidates).toHaveLength(2);
    expect(m.candidates[0]).toBe('1467250027 1 udp 2122260223 192.0.2.10 54321 typ host generation 0 network-id 1');
    expect(m.other).toContain('mid:0');
    expect(m.other).toContain('rtcp-fb:111 transport-cc');
    expect(m.other).toContain('ssrc:3510681183 cname:Yj6k1xQ0mP3sT9Zq');
    expect(m.other).not.toContain('rtcp-mux');
  });

  it('session-level ICE/fingerprint/setup/direction land on the session', () => {
    const sdp = parseSdp(
      crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=ice-ufrag:abcd', 'a=ice-pwd:secretsecret', 'a=fingerprint:sha-1 AA:BB', 'a=setup:active', 'a=sendonly', 'm=audio 5004 RTP/AVP 0']),
    );
    expect(sdp).toMatchObject({ iceUfrag: 'abcd', icePwd: 'secretsecret', fingerprint: { hash: 'sha-1', value: 'AA:BB' }, setup: 'active', direction: 'sendonly' });
    expect(sdp.media[0]!.direction).toBeUndefined();
  });

  it('multicast c= keeps only the address; IPv6 c= accepted', () => {
    expect(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 224.2.1.1/127/3', 't=0 0'])).connection).toBe('224.2.1.1');
    expect(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'c=IN IP6 2001:db8::1', 't=0 0'])).connection).toBe('2001:db8::1');
  });

  it('non-RTP m= lines (datachannel) parse with no payloads and verbatim formats', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=sctp-port:5000']));
    expect(sdp.media[1]).toMatchObject({ type: 'application', payloads: [], formats: ['webrtc-datachannel'], other: ['sctp-port:5000'] });
  });

  it('port with a count ("m=audio 49170/2") uses the base port', () => {
    expect(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 49170/2 RTP/AVP 0'])).media[0]!.port).toBe(49170);
  });

  it('malformed rtpmap / ptime are kept in other, not fatal', () => {
    const m = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event', 'a=ptime:abc'])).media[0]!;
    expect(m.rtpmap.size).toBe(0);
    expect(m.ptime).toBeUndefined();
    expect(m.other).toEqual(['rtpmap:101 telephone-event', 'ptime:abc']);
  });

  describe('garbage → SdpError', () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['empty string', '', /empty/],
      ['only blank lines', '\r\n\r\n', /empty/],
      ['plain text', 'hello world', /v=/],
      ['a SIP message', 'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP x\r\n\r\n', /v=/],
      ['JSON', '{"sdp": "v=0"}', /v=/],
      ['no v= line', crlf(['o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio 5004 RTP/AVP 0']), /v=/],
      ['v=1', crlf(['v=1', 'o=- 1 1 IN IP4 10.0.0.1', 's=-']), /version/],
      ['no o= line', crlf(['v=0', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 0']), /o=/],
      ['short o= line', crlf(['v=0', 'o=- 1 1 IN IP4', 's=-']), /o=/],
      ['bad c= line', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4']), /c=/],
      ['m= line without proto', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio 5004']), /m= line/],
      ['non-numeric port', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio abc RTP/AVP 0']), /port/],
      ['port > 65535', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio 70000 RTP/AVP 0']), /port/],
      ['negative port', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio -1 RTP/AVP 0']), /port/],
      ['payload type 128', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio 5004 RTP/AVP 0 128']), /payload/],
      ['payload type not a number', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'm=audio 5004 RTP/AVP PCMU']), /payload/],
      ['line without "="', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 'garbage here']), /line 3/],
      ['binary bytes', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x80]), /v=/],
      ['> 64 KiB', crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', `a=x:${'y'.repeat(70_000)}`]), /too large/],
    ];
    it.each(cases)('%s', (_name, input, message) => {
      let caught: unknown;
      try {
        parseSdp(input);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SdpError);
      expect((caught as SdpError).code).toBe('SDP_INVALID');
      expect((caught as SdpError).message).toMatch(message);
    });

    it('the size limit counts bytes, not UTF-16 units', () => {
      const body = crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', `i=${'é'.repeat(33_000)}`]); // ~66 KB in UTF-8
      expect(body.length).toBeLessThan(64 * 1024);
      expect(() => parseSdp(body)).toThrow(SdpError);
    });

    it('error messages quote the bad input but stay short', () => {
      expect(() => parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', `m=audio ${'9'.repeat(5000)} RTP/AVP 0`]))).toThrow(/^bad port "9{60}\.\.\."/);
    });
  });
});

describe('remoteAudio / chooseCodec', () => {
  it('offer from sipp with only "m=audio 6000 RTP/AVP 0" → PCMU chosen, no dtmf, ptime 20, sendrecv', () => {
    const offer = offerOf(SIPP_MINIMAL);
    expect(offer).toMatchObject({ address: '127.0.0.1', port: 6000, codecs: [PCMU], ptime: 20, direction: 'sendrecv', webrtc: false, hold: false });
    expect(offer.dtmfPt).toBeUndefined();
    expect(chooseCodec(offer)).toEqual(PCMU);
  });

  it('offer from sipp with PCMU and telephone-event 101 → PCMU chosen, dtmf 101', () => {
    const offer = offerOf(SIPP_DTMF);
    expect(offer.codecs).toEqual([PCMU]);
    expect(offer.dtmfPt).toBe(101);
    expect(chooseCodec(offer)).toEqual(PCMU);
  });

  it('desk phone offering PCMA, PCMU, G722, te 101, ptime 20 → PCMA chosen (offerer order), dtmf 101', () => {
    const offer = offerOf(DESK_PHONE);
    expect(offer.codecs).toEqual([PCMA, PCMU, G722]);
    expect(offer).toMatchObject({ address: '192.168.1.50', port: 11796, dtmfPt: 101, ptime: 20, direction: 'sendrecv', hold: false });
    expect(chooseCodec(offer)).toEqual(PCMA);
  });

  it('desk phone offer with a preference ["G722", "PCMU"] → G722 chosen', () => {
    expect(chooseCodec(offerOf(DESK_PHONE), ['G722', 'PCMU'])).toEqual(G722);
  });

  it('preference the remote cannot meet → undefined (and an empty preference accepts nothing)', () => {
    const offer = offerOf(CARRIER_PCMA_30);
    expect(chooseCodec(offer, ['PCMU', 'G722'])).toBeUndefined();
    expect(chooseCodec(offer, [])).toBeUndefined();
  });

  it('carrier 30 ms PCMA offer → PCMA chosen, ptime 30, dtmf 101', () => {
    const offer = offerOf(CARRIER_PCMA_30);
    expect(offer).toMatchObject({ address: '203.0.113.8', codecs: [PCMA], ptime: 30, dtmfPt: 101 });
    expect(chooseCodec(offer)).toEqual(PCMA);
  });

  it('telephone-event on PT 96 → dtmf 96, PCMU chosen', () => {
    const offer = offerOf(TE_96);
    expect(offer.dtmfPt).toBe(96);
    expect(offer.codecs).toEqual([PCMU, PCMA]);
    expect(chooseCodec(offer)).toEqual(PCMU);
  });

  it('Chromium/JsSIP WebRTC offer (opus first) → webrtc, G722/PCMU/PCMA in its order, dtmf 126 (not 110/48000)', () => {
    const offer = offerOf(CHROMIUM);
    expect(offer.webrtc).toBe(true);
    expect(offer.address).toBe('192.0.2.10');
    expect(offer.port).toBe(54321);
    expect(offer.codecs).toEqual([G722, PCMU, PCMA]);
    expect(offer.dtmfPt).toBe(126);
    expect(offer.hold).toBe(false);
    // no opus in the engine: first supported in the browser's order is G722
    expect(chooseCodec(offer)?.name).toBe('G722');
  });

  it('Chromium/JsSIP WebRTC offer with a G.711-only preference → PCMA/PCMU chosen', () => {
    const offer = offerOf(CHROMIUM);
    expect(chooseCodec(offer, ['PCMA', 'PCMU'])).toEqual(PCMA);
    expect(chooseCodec(offer, ['PCMU', 'PCMA'])).toEqual(PCMU);
  });

  it('webrtc is detected from ICE or a fingerprint alone, even on RTP/AVP', () => {
    const base = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];
    expect(offerOf(crlf([...base, 'm=audio 5004 RTP/AVP 0', 'a=ice-ufrag:x'])).webrtc).toBe(true);
    expect(offerOf(crlf([...base, 'a=fingerprint:sha-256 AB:CD', 'm=audio 5004 RTP/AVP 0'])).webrtc).toBe(true);
    expect(offerOf(crlf([...base, 'm=audio 5004 RTP/SAVP 0'])).webrtc).toBe(false);
    expect(offerOf(crlf([...base, 'm=audio 5004 UDP/TLS/RTP/SAVP 0'])).webrtc).toBe(true);
  });

  it('dynamic payload types need an rtpmap; static 0/8/9 do not; unknown codecs are skipped', () => {
    const offer = offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 18 3 97 98 9 8 0', 'a=rtpmap:18 G729/8000', 'a=rtpmap:98 pcmu/8000']));
    expect(offer.codecs).toEqual([{ pt: 98, name: 'PCMU', clockRate: 8000 }, G722, PCMA, PCMU]);
  });

  it('G722 advertised at 16000 (broken stacks) is still G722 at the 8000 RTP clock; PCMU/16000 is not PCMU', () => {
    const offer = offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 9 100', 'a=rtpmap:9 G722/16000', 'a=rtpmap:100 PCMU/16000']));
    expect(offer.codecs).toEqual([G722]);
  });

  it('an offer with no codec we know → empty codecs, chooseCodec undefined', () => {
    const offer = offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 18 101', 'a=rtpmap:101 telephone-event/8000']));
    expect(offer.codecs).toEqual([]);
    expect(offer.dtmfPt).toBe(101);
    expect(chooseCodec(offer)).toBeUndefined();
  });

  it('iLBC mode=20 offer → iLBC chosen with the remote PT, iLbcMode 20', () => {
    const offer = offerOf(ILBC(20));
    expect(offer.iLbcMode).toBe(20);
    expect(chooseCodec(offer)).toEqual({ pt: 97, name: 'iLBC', clockRate: 8000 });
  });

  it('iLBC mode=30 (or no mode, RFC 3952 default 30) → skipped, the engine only does 20 ms; PCMU chosen', () => {
    for (const mode of [30, undefined]) {
      const offer = offerOf(ILBC(mode));
      expect(offer.iLbcMode).toBe(30);
      expect(chooseCodec(offer)).toEqual(PCMU);
      expect(chooseCodec(offer, ['iLBC'])).toBeUndefined();
    }
  });

  it('the first audio stream with a port is used; video is ignored', () => {
    const offer = offerOf(
      crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 5006 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 0 RTP/AVP 0', 'm=audio 5004 RTP/AVP 8', 'c=IN IP4 10.0.0.2']),
    );
    expect(offer).toMatchObject({ port: 5004, address: '10.0.0.2', codecs: [PCMA], audioIndex: 2 });
  });

  it('a rejected audio stream (port 0) → inactive', () => {
    const offer = offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 0 RTP/AVP 0', 'a=sendrecv']));
    expect(offer.direction).toBe('inactive');
    expect(offer.port).toBe(0);
  });

  it('no audio stream → SdpError("no audio stream")', () => {
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 5006 RTP/AVP 96']));
    expect(() => remoteAudio(sdp)).toThrow(SdpError);
    expect(() => remoteAudio(sdp)).toThrow('no audio stream');
    expect(() => remoteAudio(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0'])))).toThrow('no audio stream');
  });

  it('audio stream without any c= → SdpError', () => {
    expect(() => offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 0']))).toThrow(SdpError);
  });

  describe('hold offers', () => {
    it('desk phone hold with a=sendonly → hold, direction sendonly', () => {
      expect(offerOf(holdOffer(['a=sendonly']))).toMatchObject({ hold: true, direction: 'sendonly' });
    });
    it('hold with a=inactive → hold, direction inactive', () => {
      expect(offerOf(holdOffer(['a=inactive']))).toMatchObject({ hold: true, direction: 'inactive' });
    });
    it('RFC 2543 hold with c=IN IP4 0.0.0.0 → hold, direction left as sent', () => {
      expect(offerOf(holdOffer(['a=sendrecv'], '0.0.0.0'))).toMatchObject({ hold: true, direction: 'sendrecv', address: '0.0.0.0' });
    });
    it('session-level a=sendonly applies when the media has none', () => {
      const s = crlf(['v=0', 'o=- 1 2 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly', 'm=audio 5004 RTP/AVP 0']);
      expect(offerOf(s)).toMatchObject({ hold: true, direction: 'sendonly' });
    });
    it('media-level direction overrides the session-level one', () => {
      const s = crlf(['v=0', 'o=- 1 2 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly', 'm=audio 5004 RTP/AVP 0', 'a=sendrecv']);
      expect(offerOf(s)).toMatchObject({ hold: false, direction: 'sendrecv' });
    });
    it('recvonly is not hold', () => {
      expect(offerOf(holdOffer(['a=recvonly']))).toMatchObject({ hold: false, direction: 'recvonly' });
    });
  });
});

describe('directionAnswer', () => {
  it.each<[Direction, Direction]>([
    ['sendrecv', 'sendrecv'],
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
  ])('%s → %s', (d, a) => expect(directionAnswer(d)).toBe(a));
});

describe('buildSdp', () => {
  it('builds the documented audio offer', () => {
    const b = buildSdp({ address: '10.1.2.3', port: 40000, codecs: [PCMA, PCMU], dtmfPt: 101, sessionId: '42', sessionVersion: 7 });
    expect(b.toString()).toBe(
      crlf([
        'v=0',
        'o=hotline 42 7 IN IP4 10.1.2.3',
        's=hotline',
        'c=IN IP4 10.1.2.3',
        't=0 0',
        'm=audio 40000 RTP/AVP 8 0 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
  });

  it('IPv6 address → IP6 in o= and c= (brackets stripped)', () => {
    const s = buildSdp({ address: '[2001:db8::5]', port: 5004, codecs: [PCMU], username: 'agent 7' }).toString();
    expect(s).toContain('\r\nc=IN IP6 2001:db8::5\r\n');
    expect(s).toMatch(/\r\no=agent-7 \d+ 1 IN IP6 2001:db8::5\r\n/);
  });

  it('direction and ptime are honoured; iLBC carries mode=20', () => {
    const b = buildSdp({ address: '10.0.0.1', port: 5004, codecs: [{ pt: 97, name: 'iLBC', clockRate: 8000 }], ptime: 40, direction: 'sendonly' });
    expect(attrs(b)).toEqual(['a=rtpmap:97 iLBC/8000', 'a=fmtp:97 mode=20', 'a=ptime:40', 'a=sendonly']);
  });

  it('a random numeric session id when none is given', () => {
    const a = parseSdp(buildSdp({ address: '10.0.0.1', port: 5004, codecs: [PCMU] }));
    const b = parseSdp(buildSdp({ address: '10.0.0.1', port: 5004, codecs: [PCMU] }));
    expect(a.sessionId).toMatch(/^\d+$/);
    expect(a.sessionId).not.toBe(b.sessionId);
  });

  it.each<[string, Parameters<typeof buildSdp>[0]]>([
    ['no codecs', { address: '10.0.0.1', port: 5004, codecs: [] }],
    ['bad port', { address: '10.0.0.1', port: 70000, codecs: [PCMU] }],
    ['address with a space', { address: '10.0.0.1 x', port: 5004, codecs: [PCMU] }],
    ['address with CRLF injection', { address: '10.0.0.1\r\na=evil', port: 5004, codecs: [PCMU] }],
    ['dtmf PT clashes with a codec', { address: '10.0.0.1', port: 5004, codecs: [PCMU], dtmfPt: 0 }],
    ['PT out of range', { address: '10.0.0.1', port: 5004, codecs: [{ pt: 200, name: 'PCMU', clockRate: 8000 }] }],
    ['non-numeric session id', { address: '10.0.0.1', port: 5004, codecs: [PCMU], sessionId: 'abc' }],
  ])('refuses %s with SdpError', (_n, local) => {
    expect(() => buildSdp(local)).toThrow(SdpError);
  });

  it('round trip buildSdp → parseSdp → remoteAudio gives back what we built', () => {
    const local = { address: '192.0.2.1', port: 30000, codecs: [G722, PCMA, PCMU], dtmfPt: 101, ptime: 30, direction: 'recvonly' as const };
    const offer = offerOf(buildSdp(local));
    expect(offer).toMatchObject({ address: '192.0.2.1', port: 30000, codecs: [G722, PCMA, PCMU], dtmfPt: 101, ptime: 30, direction: 'recvonly', webrtc: false, hold: false });
  });

  it('round trip property: any valid LocalAudio survives build → parse', () => {
    const codecArb = fc.constantFrom<AudioCodec>(PCMU, PCMA, G722, { pt: 97, name: 'iLBC', clockRate: 8000 });
    fc.assert(
      fc.property(
        fc.uniqueArray(codecArb, { minLength: 1, selector: (c) => c.pt }),
        fc.option(fc.integer({ min: 98, max: 127 }), { nil: undefined }),
        fc.integer({ min: 1, max: 65535 }),
        fc.constantFrom<Direction>('sendrecv', 'sendonly', 'recvonly', 'inactive'),
        fc.constantFrom(10, 20, 30, 40, 60),
        fc.oneof(fc.ipV4(), fc.ipV6()),
        (codecs, dtmfPt, port, direction, ptime, address) => {
          const offer = offerOf(buildSdp({ address, port, codecs, dtmfPt, direction, ptime }));
          expect(offer.codecs).toEqual(codecs);
          expect(offer).toMatchObject({ address, port, direction, ptime });
          expect(offer.dtmfPt).toBe(dtmfPt);
        },
      ),
    );
  });
});

describe('answerFor', () => {
  const local = { address: '10.9.9.9', port: 40002, sessionId: '99', sessionVersion: 1 };

  it('desk phone offer → answer with PCMA only, te 101, ptime 20, sendrecv', () => {
    const offer = offerOf(DESK_PHONE);
    const a = answerFor(offer, { ...local, codec: chooseCodec(offer)! });
    expect(a.toString()).toBe(
      crlf([
        'v=0',
        'o=hotline 99 1 IN IP4 10.9.9.9',
        's=hotline',
        'c=IN IP4 10.9.9.9',
        't=0 0',
        'm=audio 40002 RTP/AVP 8 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
  });

  it('sipp minimal offer → answer PCMU without telephone-event', () => {
    const offer = offerOf(SIPP_MINIMAL);
    const m = parseSdp(answerFor(offer, { ...local, codec: chooseCodec(offer)! })).media[0]!;
    expect(m.payloads).toEqual([0]);
    expect(attrs(answerFor(offer, { ...local, codec: PCMU }))).not.toContain('a=rtpmap:101 telephone-event/8000');
  });

  it('telephone-event on 96 is answered on 96', () => {
    const offer = offerOf(TE_96);
    const answer = offerOf(answerFor(offer, { ...local, codec: chooseCodec(offer)! }));
    expect(answer.dtmfPt).toBe(96);
    expect(answer.codecs).toEqual([PCMU]);
  });

  it('30 ms offer → a=ptime:30 in the answer', () => {
    const offer = offerOf(CARRIER_PCMA_30);
    expect(attrs(answerFor(offer, { ...local, codec: PCMA }))).toContain('a=ptime:30');
  });

  it.each<[string, Direction]>([
    ['a=sendonly', 'recvonly'],
    ['a=recvonly', 'sendonly'],
    ['a=inactive', 'inactive'],
    ['a=sendrecv', 'sendrecv'],
  ])('hold offer with %s → answer %s', (attr, expected) => {
    const offer = offerOf(holdOffer([attr]));
    expect(offerOf(answerFor(offer, { ...local, codec: PCMA })).direction).toBe(expected);
  });

  it('an explicit direction wins over the answering one', () => {
    const offer = offerOf(holdOffer(['a=sendonly']));
    expect(offerOf(answerFor(offer, { ...local, codec: PCMA, direction: 'inactive' })).direction).toBe('inactive');
  });

  it('iLBC answer carries the offered mode', () => {
    const offer = offerOf(ILBC(20));
    expect(attrs(answerFor(offer, { ...local, codec: chooseCodec(offer)! }))).toContain('a=fmtp:97 mode=20');
  });

  it('audio + video offer → video answered rejected (port 0) in its place, audio with our port', () => {
    const offer = offerOf(
      crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 5006 RTP/AVP 96 97', 'a=rtpmap:96 H264/90000', 'm=audio 5004 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel']),
    );
    const answer = parseSdp(answerFor(offer, { ...local, codec: PCMU }));
    expect(answer.media.map((m) => [m.type, m.port])).toEqual([
      ['video', 0],
      ['audio', 40002],
      ['application', 0],
    ]);
    expect(answer.media[0]!.payloads).toEqual([96, 97]);
    expect(answer.media[2]!.formats).toEqual(['webrtc-datachannel']);
    expect(answer.media[1]!.payloads).toEqual([0, 101]);
  });

  it('a rejected audio offer (port 0) is answered with port 0', () => {
    const offer = offerOf(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 0 RTP/AVP 0']));
    expect(parseSdp(answerFor(offer, { ...local, codec: PCMU })).media[0]!.port).toBe(0);
  });

  it('a hand-made AudioOffer (no streams) still works', () => {
    const a = answerFor({ address: '1.2.3.4', port: 5000, codecs: [PCMU], ptime: 20, direction: 'sendrecv', webrtc: false, hold: false, dtmfPt: 101 }, { ...local, codec: PCMU });
    expect(offerOf(a)).toMatchObject({ codecs: [PCMU], dtmfPt: 101 });
  });
});

describe('withDirection', () => {
  const ours = buildSdp({ address: '10.0.0.1', port: 5004, codecs: [PCMU], dtmfPt: 101, sessionId: '5', sessionVersion: 3 });

  it('hold: our sendrecv offer → sendonly, version 3 → 4, nothing else changes', () => {
    const held = withDirection(ours, 'sendonly');
    expect(held.toString()).toBe(ours.toString().replace('a=sendrecv', 'a=sendonly').replace('o=hotline 5 3 ', 'o=hotline 5 4 '));
    expect(offerOf(held)).toMatchObject({ direction: 'sendonly', hold: true });
  });

  it('retrieve: back to sendrecv with an explicit version', () => {
    const back = withDirection(withDirection(ours, 'sendonly'), 'sendrecv', 10);
    expect(parseSdp(back).sessionVersion).toBe('10');
    expect(offerOf(back)).toMatchObject({ direction: 'sendrecv', hold: false });
  });

  it('adds a direction to the audio section when there is none (sipp minimal, LF kept)', () => {
    const out = withDirection(Buffer.from(SIPP_MINIMAL), 'inactive').toString();
    expect(out).toBe(SIPP_MINIMAL.replace('2353687637', '2353687638') + 'a=inactive\n');
  });

  it('replaces session-level and media-level directions, leaves video alone, drops duplicates', () => {
    const s = crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendrecv', 'm=audio 5004 RTP/AVP 0', 'a=recvonly', 'a=sendrecv', 'm=video 5006 RTP/AVP 96', 'a=sendrecv', 'm=audio 5008 RTP/AVP 8']);
    const out = parseSdp(withDirection(Buffer.from(s), 'sendonly'));
    expect(out.direction).toBe('sendonly');
    expect(out.media.map((m) => m.direction)).toEqual(['sendonly', 'sendrecv', 'sendonly']);
    expect(withDirection(Buffer.from(s), 'sendonly').toString().match(/a=sendonly/g)).toHaveLength(3);
  });

  it('session versions beyond 2^53 are bumped exactly', () => {
    const s = crlf(['v=0', 'o=- 1 18446744073709551614 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 0']);
    expect(parseSdp(withDirection(Buffer.from(s), 'sendonly')).sessionVersion).toBe('18446744073709551615');
  });

  it('garbage or a non-numeric version → SdpError', () => {
    expect(() => withDirection(Buffer.from('nope'), 'sendonly')).toThrow(SdpError);
    const s = crlf(['v=0', 'o=- 1 abc IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 0']);
    expect(() => withDirection(Buffer.from(s), 'sendonly')).toThrow(SdpError);
    expect(parseSdp(withDirection(Buffer.from(s), 'sendonly', 2)).sessionVersion).toBe('2');
  });
});

// ---------------------------------------------------------------------------
// totality

/** How deep generated inputs got (to check the generators are not all rejected at line 1). */
const reached = { parsed: 0, offer: 0 };

/** Run `f`; fail on anything thrown that is not an SdpError. */
function onlySdpError(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SdpError)) throw e;
  }
}

/** Everything the module does with a body, each allowed to fail only with SdpError. */
function exercise(input: string | Buffer): void {
  onlySdpError(() => {
    const sdp = parseSdp(input);
    reached.parsed++;
    onlySdpError(() => {
      const offer = remoteAudio(sdp);
      reached.offer++;
      const codec = chooseCodec(offer);
      if (codec !== undefined) onlySdpError(() => parseSdp(answerFor(offer, { address: '10.0.0.1', port: 5004, codec })));
    });
  });
  onlySdpError(() => withDirection(Buffer.from(input), 'sendonly'));
}

describe('property: only SdpError escapes', () => {
  const lineArb = fc
    .tuple(
      // mostly well-formed lines, so that generated bodies get past the syntax check
      fc.oneof({ arbitrary: fc.constantFrom('v', 'o', 's', 'c', 't', 'm', 'a', 'a', 'a', 'b', 'x', 'M'), weight: 30 }, { arbitrary: fc.constantFrom('', ' ', '1'), weight: 1 }),
      fc.oneof({ arbitrary: fc.constant('='), weight: 30 }, { arbitrary: fc.constantFrom(':', ''), weight: 1 }),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          '0',
          '- 1 1 IN IP4 10.0.0.1',
          '- 1 x IN IP4 10.0.0.1',
          'IN IP4 0.0.0.0',
          'IN IP6 ::',
          'audio 5004 RTP/AVP 0 8 9 101',
          'audio 0 RTP/AVP 97',
          'audio 99999 RTP/AVP 0',
          'video 5006 RTP/AVP 96',
          'application 9 UDP/DTLS/SCTP webrtc-datachannel',
          'rtpmap:101 telephone-event/8000',
          'rtpmap:97 iLBC/8000',
          'rtpmap:9 G722/16000',
          'rtpmap:1000 x/y/z',
          'fmtp:97 mode=20',
          'fmtp:',
          'ptime:30',
          'ptime:-1',
          'sendonly',
          'inactive',
          'fingerprint:sha-256',
          'candidate:',
          'rtcp-mux',
        ),
      ),
    )
    .map(([t, eq, v]) => `${t}${eq}${v}`);
  const sdpLike = fc
    .tuple(fc.boolean(), fc.array(lineArb, { maxLength: 25 }), fc.constantFrom('\r\n', '\n', '\n', '\r'))
    .map(([audio, lines, eol]) =>
      ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', ...(audio ? ['m=audio 5004 RTP/AVP 0 8 9 97 101'] : []), ...lines].join(eol),
    );

  it('random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), exercise), { numRuns: 500 });
  });

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => exercise(Buffer.from(b))), { numRuns: 500 });
  });

  it('SDP-shaped random lines', () => {
    reached.parsed = reached.offer = 0;
    fc.assert(fc.property(sdpLike, exercise), { numRuns: 2000 });
    expect(reached.parsed).toBeGreaterThan(200);
    expect(reached.offer).toBeGreaterThan(50);
  });

  it('real SDPs with one line mutated', () => {
    const corpus = [SIPP_MINIMAL, SIPP_DTMF, DESK_PHONE, CARRIER_PCMA_30, TE_96, ILBC(20), CHROMIUM];
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.nat(), lineArb, fc.boolean(), (sdp, at, line, replace) => {
        const lines = sdp.split('\n');
        lines.splice(at % lines.length, replace ? 1 : 0, line);
        exercise(lines.join('\n'));
      }),
      { numRuns: 2000 },
    );
  });

  it('huge pathological lines stay fast (no regex blow-up)', () => {
    const started = Date.now();
    exercise(`v=0\no=- 1 1 IN IP4 1\n${' '.repeat(60_000)}x`);
    exercise(`v=0\no=- 1 1 IN IP4 1\nm=audio 5004 RTP/AVP ${'0 '.repeat(30_000)}`);
    exercise(`v=0\no=- 1 1 IN IP4 1\nm=audio 1 RTP/AVP 0\na=rtpmap:1 ${'a'.repeat(60_000)}`);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/**
 * Shared by the media benchmark and the integration tests.
 *
 * Write RTP audio as a pcap sipp can replay (play_pcap_audio): Ethernet/IPv4/UDP
 * frames, one RTP packet per `ptimeMs` of G.711, timestamps paced in real time.
 * sipp ships only a 30 ms A-law pcap; this makes 20 ms ones (or any ptime) from
 * any WAV, e.g. speech from espeak-ng.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

export function g711FromWav(wav: string, law: 'alaw' | 'ulaw'): Buffer {
  return execFileSync('sox', [wav, '-t', law === 'alaw' ? 'al' : 'ul', '-r', '8000', '-c', '1', '-']);
}

/** Returns the number of RTP packets written. */
export function writeRtpPcap(file: string, payload: Buffer, opts: { pt: number; ptimeMs: number }): number {
  const bytesPer = 8 * opts.ptimeMs;
  const frames: Buffer[] = [pcapGlobalHeader()];
  const ssrc = 0x1234abcd;
  let i = 0;
  for (let off = 0; off + bytesPer <= payload.length; i++, off += bytesPer) {
    const rtp = Buffer.alloc(12 + bytesPer);
    rtp[0] = 0x80;
    rtp[1] = opts.pt & 0x7f;
    rtp.writeUInt16BE(i & 0xffff, 2);
    rtp.writeUInt32BE((i * bytesPer) >>> 0, 4);
    rtp.writeUInt32BE(ssrc, 8);
    payload.copy(rtp, 12, off, off + bytesPer);
    frames.push(...pcapRecord(rtp, i * opts.ptimeMs));
  }
  writeFileSync(file, Buffer.concat(frames));
  return i;
}

/** The pcap file header: microsecond timestamps, Ethernet link type. */
function pcapGlobalHeader(): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  return header;
}

/** One Ethernet/IPv4/UDP frame around an RTP packet, with its pcap record header at `tMs`. */
function pcapRecord(rtp: Buffer, tMs: number): Buffer[] {
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(6000, 0);
  udp.writeUInt16BE(6002, 2);
  udp.writeUInt16BE(8 + rtp.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + rtp.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 1], 16);
  let sum = 0;
  for (let j = 0; j < 20; j += 2) sum += ip.readUInt16BE(j);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const packet = Buffer.concat([eth, ip, udp, rtp]);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(Math.floor(tMs / 1000), 0);
  rec.writeUInt32LE(Math.round((tMs % 1000) * 1000), 4);
  rec.writeUInt32LE(packet.length, 8);
  rec.writeUInt32LE(packet.length, 12);
  return [rec, packet];
}

const DTMF_EVENTS = '0123456789*#ABCD';

/**
 * One RFC 4733 digit as a pcap sipp can replay: every 20 ms an event packet
 * on `pt` (default 101), all with the event's timestamp, marker on the first,
 * volume 10, duration growing by 160 (20 ms at 8 kHz); the last `endPackets`
 * (default 3) carry the E bit and the final duration.
 */
export function writeDtmfPcap(file: string, digit: string, opts: { pt?: number; packets?: number; endPackets?: number } = {}): void {
  writeDtmfSequencePcap(file, [{ digit, atMs: 0 }], opts);
}

/**
 * Several RFC 4733 digits in one pcap, each starting `atMs` after the first
 * packet (a caller typing "2", then "123456#" a few seconds later). Each digit
 * is an event of its own: new timestamp, marker on its first packet.
 */
export function writeDtmfSequencePcap(file: string, digits: readonly { digit: string; atMs: number }[], opts: { pt?: number; packets?: number; endPackets?: number } = {}): void {
  const pt = opts.pt ?? 101;
  const packets = opts.packets ?? 8;
  const endPackets = opts.endPackets ?? 3;
  const frames: Buffer[] = [pcapGlobalHeader()];
  const ssrc = 0x5eed4733;
  const total = packets + endPackets;
  let seq = 1000;
  let lastMs = -Infinity;
  for (const { digit, atMs } of digits) {
    const event = DTMF_EVENTS.indexOf(digit.toUpperCase());
    if (digit.length !== 1 || event < 0) throw new Error(`not a DTMF digit: ${digit}`);
    if (atMs < lastMs + total * 20) throw new Error(`digit ${digit} at ${atMs} ms overlaps the one before`);
    lastMs = atMs;
    const timestamp = 160 * 50 + atMs * 8;
    for (let i = 0; i < total; i++) {
      const end = i >= packets;
      const duration = 160 * Math.min(i + 1, packets + 1);
      const rtp = Buffer.alloc(16);
      rtp[0] = 0x80;
      rtp[1] = (i === 0 ? 0x80 : 0) | (pt & 0x7f);
      rtp.writeUInt16BE(seq++ & 0xffff, 2);
      rtp.writeUInt32BE(timestamp >>> 0, 4);
      rtp.writeUInt32BE(ssrc, 8);
      rtp[12] = event;
      rtp[13] = (end ? 0x80 : 0) | 10;
      rtp.writeUInt16BE(duration, 14);
      frames.push(...pcapRecord(rtp, atMs + i * 20));
    }
  }
  writeFileSync(file, Buffer.concat(frames));
}

/** "2|123456#" style: digits of a group 300 ms apart, groups `groupGapMs` apart. */
export function dtmfSchedule(groups: readonly string[], opts: { digitGapMs?: number; groupGapMs?: number; startMs?: number } = {}): { digit: string; atMs: number }[] {
  const out: { digit: string; atMs: number }[] = [];
  let t = opts.startMs ?? 0;
  for (const g of groups) {
    for (const d of g) {
      out.push({ digit: d, atMs: t });
      t += opts.digitGapMs ?? 300;
    }
    t += (opts.groupGapMs ?? 2000) - (opts.digitGapMs ?? 300);
  }
  return out;
}

/**
 * An existing WAV (any rate or width: sox converts it to 8 kHz mono G.711) as an RTP pcap,
 * 20 ms A-law (PT 8) unless told otherwise. Returns the number of RTP packets written.
 */
export function writeWavPcap(file: string, wav: string, opts: { law?: 'alaw' | 'ulaw'; ptimeMs?: number } = {}): number {
  const law = opts.law ?? 'alaw';
  return writeRtpPcap(file, g711FromWav(wav, law), { pt: law === 'alaw' ? 8 : 0, ptimeMs: opts.ptimeMs ?? 20 });
}

/** Synthetic speech (espeak-ng) as a 20 ms A-law pcap: what a desk phone sends while someone talks. */
export function writeSpeechPcap(file: string, wavScratch: string, text: string): number {
  execFileSync('espeak-ng', ['-w', wavScratch, text]);
  return writeWavPcap(file, wavScratch);
}

/**
 * The trunk parties' audio (test/support/machine-pcap.ts): the AMD detector calls the machine clip
 * a machine and the person's a human, both on the WAV and on the A-law the pcap carries (what
 * sipp sends the server); the machine's beep is where it was put; the pcaps are 20 ms PCMA RTP.
 * Needs espeak-ng and sox (skipped without them).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectBeep, frames } from '../../src/dialer/amd/beep.js';
import { AmdDetector, type AmdDecision } from '../../src/dialer/amd/detector.js';
import { writeHumanPcap, writeMachinePcap, type PartyPcap } from '../support/machine-pcap.js';
import { audioToolsAvailable } from '../support/dialer.js';

const skip = !audioToolsAvailable();

function pcm16(raw: Buffer): Int16Array {
  const pcm = new Int16Array(raw.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = raw.readInt16LE(i * 2);
  return pcm;
}

/** The WAV as 8 kHz 16-bit mono, read by sox (not by the code that wrote it). */
function readWav(wav: string): Int16Array {
  return pcm16(execFileSync('sox', [wav, '-t', 'raw', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-']));
}

interface Rtp {
  pt: number;
  seq: number;
  ts: number;
  tMs: number;
  payload: Buffer;
}

/** The RTP packets of a pcap written by bench/pcap.ts (Ethernet/IPv4/UDP, no IP options). */
function readPcap(file: string): Rtp[] {
  const b = readFileSync(file);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: Rtp[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const tMs = b.readUInt32LE(off) * 1000 + b.readUInt32LE(off + 4) / 1000;
    const len = b.readUInt32LE(off + 8);
    const rtp = b.subarray(off + 16 + 14 + 20 + 8, off + 16 + len);
    out.push({ pt: rtp[1]! & 0x7f, seq: rtp.readUInt16BE(2), ts: rtp.readUInt32BE(4), tMs, payload: rtp.subarray(12) });
    off += 16 + len;
  }
  return out;
}

/** A-law payloads back to 16-bit PCM (sox decodes). */
function decodeAlaw(packets: Rtp[]): Int16Array {
  const alaw = Buffer.concat(packets.map((p) => p.payload));
  return pcm16(execFileSync('sox', ['-t', 'al', '-r', '8000', '-c', '1', '-', '-t', 'raw', '-b', '16', '-e', 'signed-integer', '-L', '-'], { input: alaw }));
}

function amd(pcm: Int16Array): AmdDecision {
  const d = new AmdDetector();
  for (const f of frames(pcm)) {
    const r = d.push(f);
    if (r) return r;
  }
  return d.finish();
}

describe.skipIf(skip)('machine and human pcaps for the trunk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-machine-pcap-'));
  let machine: PartyPcap;
  let human: PartyPcap;

  beforeAll(async () => {
    machine = await writeMachinePcap(join(dir, 'machine.pcap'), join(dir, 'machine.wav'));
    human = await writeHumanPcap(join(dir, 'human.pcap'), join(dir, 'human.wav'));
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the machine greeting → machine (long greeting), on the WAV and on the pcap’s A-law; its 1000 Hz beep follows the greeting by ~0.5 s', () => {
    const wav = readWav(join(dir, 'machine.wav'));
    const fromPcap = decodeAlaw(readPcap(join(dir, 'machine.pcap')));
    for (const [what, pcm] of [['wav', wav], ['pcap', fromPcap]] as const) {
      const d = amd(pcm);
      expect(d.result, `${what}: ${JSON.stringify(d)}`).toBe('machine');
      expect(d.reason, what).toBe('long-greeting');
      expect(d.atMs, what).toBeLessThan(4000);
      const beep = detectBeep(pcm);
      expect(beep, what).toBeDefined();
      expect(Math.abs(beep!.freqHz - 1000), what).toBeLessThanOrEqual(25);
      expect(Math.abs(beep!.atMs - machine.beepAtMs!), what).toBeLessThanOrEqual(40);
    }
    // a long greeting (several seconds), ~0.5 s, the 600 ms beep, 4 s of silence
    expect(machine.speechEndMs - machine.speechStartMs).toBeGreaterThan(5000);
    expect(machine.beepAtMs! - machine.speechEndMs).toBeCloseTo(500, -1);
    expect(wav.length / 8).toBeCloseTo(machine.beepAtMs! + 600 + 4000, -1);
    expect(wav.subarray(Math.round((machine.beepAtMs! + 700) * 8)).reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(64);
  });

  it('"Hello?" and 6 s of silence → human (short greeting), on the WAV and on the pcap’s A-law; no beep', () => {
    const wav = readWav(join(dir, 'human.wav'));
    const fromPcap = decodeAlaw(readPcap(join(dir, 'human.pcap')));
    for (const [what, pcm] of [['wav', wav], ['pcap', fromPcap]] as const) {
      const d = amd(pcm);
      expect(d.result, `${what}: ${JSON.stringify(d)}`).toBe('human');
      expect(d.reason, what).toBe('short-greeting');
      expect(detectBeep(pcm), what).toBeUndefined();
    }
    expect(human.speechEndMs - human.speechStartMs).toBeLessThan(1500);
    expect(wav.length / 8 - human.speechEndMs).toBeCloseTo(6000, -1);
  });

  it('both pcaps are 20 ms PCMA RTP (PT 8, 160 bytes, seq +1, timestamp +160, 20 ms apart) covering the whole clip', () => {
    for (const [name, info] of [['machine', machine], ['human', human]] as const) {
      const pkts = readPcap(join(dir, `${name}.pcap`));
      expect(pkts.length, name).toBe(info.packets);
      expect(info.durationMs, name).toBe(Math.floor(readWav(join(dir, `${name}.wav`)).length / 160) * 20);
      pkts.forEach((p, i) => {
        expect(p.pt).toBe(8);
        expect(p.payload.length).toBe(160);
        expect(p.seq).toBe(i & 0xffff);
        expect(p.ts).toBe(i * 160);
        expect(p.tMs).toBeCloseTo(i * 20, 3);
      });
    }
  });
});

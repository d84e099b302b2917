/**
 * What a dialled party sends once it answers, as a 20 ms A-law (PT 8) pcap for sipp's
 * play_pcap_audio (`[audio_pcap]` in test/sipp/trunk-*.xml), plus the 8 kHz 16-bit mono WAV
 * it was made from:
 *  - an answering machine: a long greeting, ~0.5 s silence, a 1000 Hz beep of 600 ms, 4 s silence;
 *  - a person: "Hello?", then 6 s of silence (waiting for someone to speak).
 * The clips are built by src/dialer/amd/synth.ts (espeak-ng, resampled by sox, levelled, beep
 * added) and turned into RTP by bench/pcap.ts, like writeSpeechPcap. Needs espeak-ng and sox.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SAMPLE_RATE } from '../../src/dialer/amd/beep.js';
import { synthGreeting, type GreetingSpec } from '../../src/dialer/amd/synth.js';
import { writeWavPcap } from '../../bench/pcap.js';

export const MACHINE_GREETING =
  'Hi, you have reached the Miller family. We cannot come to the phone right now. Please leave your name and number after the tone and we will call you back.';
export const HUMAN_GREETING = 'Hello?';

export interface PartyPcapOptions {
  /** espeak-ng voice; default en-us. */
  voice?: string;
  /** Words per minute; default 175. */
  speed?: number;
  /** Silence before the first word (after the answer); default 300 ms. */
  initialSilenceMs?: number;
  /** Where the scratch WAV for espeak-ng goes; default the WAV's folder. */
  workDir?: string;
}

export interface MachinePcapOptions extends PartyPcapOptions {
  text?: string;
  /** Silence between the greeting and the beep; default 500 ms. */
  gapMs?: number;
  beepHz?: number;
  beepMs?: number;
  /** Silence after the beep (the recording the machine waits to take); default 4000 ms. */
  tailMs?: number;
}

export interface PartyPcap {
  /** RTP packets in the pcap (20 ms each). */
  packets: number;
  durationMs: number;
  speechStartMs: number;
  speechEndMs: number;
  /** Where the beep starts (machine only). */
  beepAtMs?: number;
}

/** An answering machine: greeting, ~0.5 s, 1000 Hz beep of 600 ms, 4 s silence. */
export async function writeMachinePcap(pcapPath: string, wavPath: string, opts: MachinePcapOptions = {}): Promise<PartyPcap> {
  return writeParty(pcapPath, wavPath, opts, {
    text: opts.text ?? MACHINE_GREETING,
    afterMs: opts.gapMs ?? 500,
    beep: { freqHz: opts.beepHz ?? 1000, ms: opts.beepMs ?? 600, tailMs: opts.tailMs ?? 4000 },
  });
}

/** A person: "Hello?", then 6 s of silence. */
export async function writeHumanPcap(pcapPath: string, wavPath: string, opts: PartyPcapOptions = {}): Promise<PartyPcap> {
  return writeParty(pcapPath, wavPath, opts, { text: HUMAN_GREETING, afterMs: 6000 });
}

async function writeParty(pcapPath: string, wavPath: string, opts: PartyPcapOptions, spec: Pick<GreetingSpec, 'text' | 'afterMs' | 'beep'>): Promise<PartyPcap> {
  const r = await synthGreeting(
    { ...spec, voice: opts.voice ?? 'en-us', initialSilenceMs: opts.initialSilenceMs ?? 300, ...(opts.speed === undefined ? {} : { speed: opts.speed }) },
    opts.workDir ?? dirname(wavPath),
  );
  writeFileSync(wavPath, wav16(r.pcm, SAMPLE_RATE));
  const packets = writeWavPcap(pcapPath, wavPath);
  return {
    packets,
    durationMs: packets * 20,
    speechStartMs: r.speechStartMs,
    speechEndMs: r.speechEndMs,
    ...(r.beepAtMs === undefined ? {} : { beepAtMs: r.beepAtMs }),
  };
}

/** A canonical PCM WAV: 16-bit little-endian, mono. */
function wav16(pcm: Int16Array, rate: number): Buffer {
  const data = pcm.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i] ?? 0, 44 + i * 2);
  return b;
}

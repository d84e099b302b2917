/**
 * Synthetic answered-call audio for measuring AMD: a greeting spoken by espeak-ng, resampled to
 * 8 kHz 16-bit mono by sox, placed after some initial silence, followed by post-greeting silence
 * and optionally a beep, with white or pink noise mixed in at a given SNR. Test/bench support;
 * deterministic for a given seed (espeak-ng itself is deterministic).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SAMPLE_RATE } from './beep.js';

export type NoiseKind = 'white' | 'pink';

export interface GreetingSpec {
  text: string;
  /** espeak-ng voice, e.g. en-us, en-gb, en-us+f3, de, fr. */
  voice: string;
  /** Words per minute (espeak-ng -s); default 175. */
  speed?: number;
  /** Active speech level in dBFS; default -20. */
  levelDb?: number;
  initialSilenceMs?: number;
  /** Silence after the greeting (before the beep, if any). */
  afterMs?: number;
  beep?: { freqHz: number; ms: number; levelDb?: number; tailMs?: number };
  /** Noise over the whole clip, SNR relative to the active speech level. */
  noise?: { kind: NoiseKind; snrDb: number; seed?: number };
}

export interface SynthResult {
  pcm: Int16Array;
  /** Where the speech starts and ends in the clip, and where the beep starts. */
  speechStartMs: number;
  speechEndMs: number;
  beepAtMs?: number;
}

export interface SynthTools {
  espeak?: string;
  sox?: string;
}

/** Speaks `text` and returns 8 kHz 16-bit mono PCM. `workDir` holds a temporary WAV. */
export async function speak(text: string, voice: string, speed: number, workDir: string, tools: SynthTools = {}): Promise<Int16Array> {
  const wav = join(workDir, `speak-${process.pid}-${Math.random().toString(36).slice(2)}.wav`);
  try {
    await run(tools.espeak ?? 'espeak-ng', ['-v', voice, '-s', String(speed), '-w', wav, '--', text]);
    const raw = await run(tools.sox ?? 'sox', [wav, '-t', 'raw', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-']);
    const pcm = new Int16Array(raw.length >> 1);
    for (let i = 0; i < pcm.length; i++) pcm[i] = raw.readInt16LE(i * 2);
    return pcm;
  } finally {
    await rm(wav, { force: true });
  }
}

/** Builds one clip as described by `spec`. */
export async function synthGreeting(spec: GreetingSpec, workDir: string, tools: SynthTools = {}): Promise<SynthResult> {
  const speech = trimSilence(await speak(spec.text, spec.voice, spec.speed ?? 175, workDir, tools));
  const level = dbToAmp(spec.levelDb ?? -20) * 32767;
  const gain = level / Math.max(1, activeRms(speech));
  const ms = (n: number): number => Math.round((n * SAMPLE_RATE) / 1000);
  const init = ms(spec.initialSilenceMs ?? 500);
  const after = ms(spec.afterMs ?? 3000);
  const beepLen = spec.beep ? ms(spec.beep.ms) : 0;
  const tail = spec.beep ? ms(spec.beep.tailMs ?? 1000) : 0;
  const total = init + speech.length + after + beepLen + tail;
  const mix = new Float64Array(total);
  for (let i = 0; i < speech.length; i++) mix[init + i] = (speech[i] ?? 0) * gain;
  const beepStart = init + speech.length + after;
  if (spec.beep) addTone(mix, beepStart, beepLen, spec.beep.freqHz, dbToAmp(spec.beep.levelDb ?? -12) * 32767);
  if (spec.noise) addNoise(mix, spec.noise.kind, level / dbToAmp(spec.noise.snrDb), spec.noise.seed ?? 1);
  const pcm = new Int16Array(total);
  for (let i = 0; i < total; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(mix[i] ?? 0)));
  const toMs = (n: number): number => (n * 1000) / SAMPLE_RATE;
  return {
    pcm,
    speechStartMs: toMs(init),
    speechEndMs: toMs(init + speech.length),
    ...(spec.beep ? { beepAtMs: toMs(beepStart) } : {}),
  };
}

/** A sine burst with 5 ms raised-cosine edges (added in place). */
export function addTone(mix: Float64Array, start: number, len: number, freqHz: number, amp: number): void {
  const edge = Math.min(40, len >> 1);
  for (let i = 0; i < len && start + i < mix.length; i++) {
    const env = i < edge ? 0.5 - 0.5 * Math.cos((Math.PI * i) / edge) : i >= len - edge ? 0.5 - 0.5 * Math.cos((Math.PI * (len - i)) / edge) : 1;
    mix[start + i] = (mix[start + i] ?? 0) + amp * env * Math.sin((2 * Math.PI * freqHz * i) / SAMPLE_RATE);
  }
}

/** White (Gaussian) or pink (Kellet's filter) noise with the given RMS, added in place. */
export function addNoise(mix: Float64Array, kind: NoiseKind, rms: number, seed: number): void {
  const rnd = gaussian(seed);
  const raw = new Float64Array(mix.length);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < raw.length; i++) {
    const w = rnd();
    if (kind === 'white') {
      raw[i] = w;
      continue;
    }
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    raw[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  let sum = 0;
  for (const v of raw) sum += v * v;
  const g = rms / Math.sqrt(sum / Math.max(1, raw.length));
  for (let i = 0; i < mix.length; i++) mix[i] = (mix[i] ?? 0) + (raw[i] ?? 0) * g;
}

/** RMS over the 20 ms frames within 20 dB of the loudest one (roughly "active speech level"). */
export function activeRms(pcm: Int16Array): number {
  const powers: number[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    let s = 0;
    for (let j = i; j < i + 160; j++) s += (pcm[j] ?? 0) ** 2;
    powers.push(s / 160);
  }
  const max = Math.max(0, ...powers);
  const active = powers.filter((p) => p >= max / 100);
  return Math.sqrt(active.reduce((a, b) => a + b, 0) / Math.max(1, active.length));
}

/** Drops leading and trailing near-silence (espeak-ng pads its output). */
export function trimSilence(pcm: Int16Array, threshold = 64): Int16Array {
  let a = 0;
  let b = pcm.length;
  while (a < b && Math.abs(pcm[a] ?? 0) < threshold) a++;
  while (b > a && Math.abs(pcm[b - 1] ?? 0) < threshold) b--;
  return pcm.slice(a, b);
}

function dbToAmp(db: number): number {
  return Math.pow(10, db / 20);
}

/** Deterministic N(0,1) source (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'buffer', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr.toString().trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

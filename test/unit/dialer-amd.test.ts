/** AMD detector and beep detector on synthetic frames (no espeak-ng needed, except one marked test). */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BeepDetector, detectBeep, frames, type BeepEvent } from '../../src/dialer/amd/beep.js';
import { AMD, AmdDetector, type AmdDecision, type AmdOptions } from '../../src/dialer/amd/detector.js';
import { addNoise, addTone, synthGreeting } from '../../src/dialer/amd/synth.js';

const RATE = 8000;
const ms = (t: number): number => Math.round((t * RATE) / 1000);

/** A clip built from segments: silence, a "word" (speech-shaped noise burst), or a tone. */
type Seg = { sil: number } | { word: number } | { tone: number; hz: number };

function clip(segs: Seg[], noiseRms = 0, seed = 7): Int16Array {
  const total = segs.reduce((a, s) => a + ms('sil' in s ? s.sil : 'word' in s ? s.word : s.tone), 0);
  const mix = new Float64Array(total);
  let at = 0;
  let n = 0;
  for (const s of segs) {
    if ('word' in s) {
      // a burst of noise with a syllable-like envelope and voiced-like harmonics at ~140 Hz
      const len = ms(s.word);
      const burst = new Float64Array(len);
      addNoise(burst, 'pink', 1500, seed + ++n);
      for (let i = 0; i < len; i++) {
        const env = Math.sin((Math.PI * i) / len) ** 0.5;
        let v = 0;
        for (let h = 1; h <= 12; h++) v += Math.sin((2 * Math.PI * 140 * h * i) / RATE + h) / h;
        mix[at + i] = env * ((burst[i] ?? 0) + 1500 * v);
      }
    } else if ('tone' in s) {
      addTone(mix, at, ms(s.tone), s.hz, 6000);
    }
    at += ms('sil' in s ? s.sil : 'word' in s ? s.word : s.tone);
  }
  if (noiseRms > 0) addNoise(mix, 'white', noiseRms, seed);
  return Int16Array.from(mix, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
}

function run(pcm: Int16Array, opts: AmdOptions = {}): AmdDecision {
  const d = new AmdDetector(opts);
  for (const f of frames(pcm)) {
    const r = d.push(f);
    if (r) return r;
  }
  return d.finish();
}

function beepEvents(pcm: Int16Array): BeepEvent[] {
  const d = new BeepDetector();
  const out: BeepEvent[] = [];
  for (const f of frames(pcm)) {
    const ev = d.push(f);
    if (ev) out.push(ev);
  }
  const last = d.finish();
  if (last) out.push(last);
  return out;
}

describe('AmdDetector', () => {
  it('a short greeting then silence is a human, decided after the after-greeting silence', () => {
    const d = run(clip([{ sil: 400 }, { word: 350 }, { sil: 80 }, { word: 300 }, { sil: 3000 }]));
    expect(d.result).toBe('human');
    expect(d.reason).toBe('short-greeting');
    // greeting ends at 1130 ms; decided once 800 ms of silence have passed
    expect(d.atMs).toBeGreaterThanOrEqual(1130 + AMD.afterGreetingSilenceMs - 60);
    expect(d.atMs).toBeLessThanOrEqual(1130 + AMD.afterGreetingSilenceMs + 100);
  });

  it('the same in background noise (adaptive floor)', () => {
    const d = run(clip([{ sil: 600 }, { word: 400 }, { sil: 3000 }], 250));
    expect(d.result).toBe('human');
  });

  it('a long run of words is a machine, decided at the long-greeting limit', () => {
    const segs: Seg[] = [{ sil: 500 }];
    for (let i = 0; i < 10; i++) segs.push({ word: 380 }, { sil: 120 });
    const d = run(clip(segs));
    expect(d.result).toBe('machine');
    expect(['long-greeting', 'too-many-words']).toContain(d.reason);
    expect(d.atMs).toBeLessThanOrEqual(500 + AMD.longGreetingMs + 100);
  });

  it('many short words are a machine by word count even before the greeting is long', () => {
    const segs: Seg[] = [{ sil: 300 }];
    for (let i = 0; i < 8; i++) segs.push({ word: 150 }, { sil: 160 });
    const d = run(clip(segs), { longGreetingMs: 10_000 });
    expect(d).toMatchObject({ result: 'machine', reason: 'too-many-words' });
  });

  it('silence (or steady noise) only: initial-silence, unknown by default, machine when configured', () => {
    expect(run(clip([{ sil: 5000 }]))).toMatchObject({ result: 'unknown', reason: 'initial-silence', atMs: AMD.initialSilenceMs });
    expect(run(clip([{ sil: 5000 }], 300))).toMatchObject({ result: 'unknown', reason: 'initial-silence' });
    expect(run(clip([{ sil: 5000 }]), { initialSilenceResult: 'machine' }).result).toBe('machine');
  });

  it('a medium greeting then silence is neither: unknown at the analysis limit', () => {
    const d = run(clip([{ sil: 300 }, { word: 650 }, { sil: 60 }, { word: 650 }, { sil: 60 }, { word: 650 }, { sil: 3000 }]));
    expect(d).toMatchObject({ result: 'unknown', reason: 'too-long', atMs: AMD.totalAnalysisMs });
  });

  it('clicks shorter than a word are not a greeting', () => {
    const d = run(clip([{ sil: 300 }, { word: 40 }, { sil: 500 }, { word: 40 }, { sil: 3000 }]));
    expect(d.reason).toBe('initial-silence');
  });

  it('a beep right after a short message makes it a machine, with the beep time', () => {
    const d = run(clip([{ sil: 300 }, { word: 400 }, { sil: 300 }, { tone: 500, hz: 1000 }, { sil: 2000 }]));
    expect(d.result).toBe('machine');
    expect(d.reason).toBe('beep');
    expect(Math.abs((d.beepAtMs ?? 0) - 1000)).toBeLessThanOrEqual(40);
  });

  it('finish() before any decision says why', () => {
    const d = new AmdDetector();
    for (const f of frames(clip([{ sil: 200 }, { word: 300 }, { sil: 200 }]))) expect(d.push(f)).toBeUndefined();
    expect(d.finish()).toMatchObject({ result: 'unknown', reason: 'undecided' });
    expect(new AmdDetector().finish()).toMatchObject({ result: 'unknown', reason: 'no-greeting' });
  });
});

describe('beep detector', () => {
  it('finds a 1000 Hz beep at the right time (±40 ms) and reports its end', () => {
    const pcm = clip([{ sil: 1230 }, { tone: 500, hz: 1000 }, { sil: 800 }]);
    const hit = detectBeep(pcm);
    expect(hit).toBeDefined();
    expect(Math.abs(hit!.atMs - 1230)).toBeLessThanOrEqual(40);
    expect(Math.abs(hit!.freqHz - 1000)).toBeLessThanOrEqual(25);
    const evs = beepEvents(pcm);
    expect(evs.map((e) => e.type)).toEqual(['beep-start', 'beep-end']);
    const end = evs[1]!;
    expect(end.type === 'beep-end' && Math.abs(end.durationMs - 500)).toBeLessThanOrEqual(40);
  });

  it('finds off-bin tones across the band, in noise', () => {
    for (const hz of [440, 837, 1400, 1990]) {
      const hit = detectBeep(clip([{ sil: 700 }, { tone: 300, hz }, { sil: 500 }], 400));
      expect(hit, `${hz} Hz`).toBeDefined();
      expect(Math.abs(hit!.atMs - 700)).toBeLessThanOrEqual(40);
    }
  });

  it('ignores a tone shorter than the minimum and a tone outside the band', () => {
    expect(detectBeep(clip([{ sil: 300 }, { tone: 120, hz: 1000 }, { sil: 300 }]))).toBeUndefined();
    expect(detectBeep(clip([{ sil: 300 }, { tone: 500, hz: 3000 }, { sil: 300 }]))).toBeUndefined();
  });

  it('speech-shaped bursts and noise are not a beep', () => {
    const segs: Seg[] = [];
    for (let i = 0; i < 10; i++) segs.push({ word: 400 }, { sil: 100 });
    expect(detectBeep(clip(segs))).toBeUndefined();
    expect(detectBeep(clip([{ sil: 3000 }], 3000))).toBeUndefined();
  });

  it.skipIf(!hasTools())('espeak-ng speech alone is not a beep', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hotline-amd-unit-'));
    try {
      for (const voice of ['en-us', 'en-gb+f3']) {
        const text = "Hello, you've reached the office of doctor Brown. Please leave a message.";
        const r = await synthGreeting({ text, voice, afterMs: 300 }, dir);
        expect(detectBeep(r.pcm), voice).toBeUndefined();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function hasTools(): boolean {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Answering-machine beep detector: a steady single tone in 8 kHz 16-bit mono PCM, 20 ms frames.
 *
 * Per frame the samples are Hann-windowed and a Goertzel filter is evaluated on a bank of
 * frequencies (BEEP.minHz..BEEP.maxHz, every BEEP.stepHz). The strongest one gives a tonal ratio:
 * its power over the frame's total (windowed) energy, normalised so that a pure on-bin sine is 1.
 * A beep is a run of frames that are loud enough, tonal (ratio ≥ minTonalRatio) and keep the same
 * frequency (±maxDriftHz) for at least minToneMs. Speech is harmonic (many partials, moving
 * pitch) and noise is broadband, so neither holds one partial at that ratio for 200 ms.
 * Pure and streaming: no I/O, no timers.
 */

export const SAMPLE_RATE = 8000;

export interface BeepConfig {
  minHz: number;
  maxHz: number;
  stepHz: number;
  minToneMs: number;
  maxToneMs: number;
  minTonalRatio: number;
  maxDriftHz: number;
  minRms: number;
}

/** Default constants; every one can be overridden per detector. */
export const BEEP: Readonly<BeepConfig> = {
  minHz: 400,
  maxHz: 2000,
  stepHz: 25,
  /** Minimum tone duration for a beep. */
  minToneMs: 200,
  /** Tones longer than this (fax CNG/CED, SIT, dial tone) are not a voicemail beep. */
  maxToneMs: 3000,
  /** Fraction of the frame's energy in the strongest bin (1 = pure on-bin sine). */
  minTonalRatio: 0.7,
  /** Frame-to-frame frequency wander allowed inside one tone. */
  maxDriftHz: 50,
  /** Minimum frame RMS (of 32767) for a tone frame: about -46 dBFS. */
  minRms: 160,
};

export type BeepOptions = Partial<BeepConfig>;

export type BeepEvent =
  | { type: 'beep-start'; atMs: number; freqHz: number }
  | { type: 'beep-end'; atMs: number; startMs: number; durationMs: number; freqHz: number };

interface FrameTone {
  freqHz: number;
  ratio: number;
  rms: number;
}

/** Analyses one frame: the strongest bank frequency, its tonal ratio and the frame RMS. */
export class ToneAnalyser {
  private readonly freqs: number[] = [];
  private readonly coeffs: number[] = [];
  private window = new Float64Array(0);
  private windowEnergy = 0;
  private windowSum = 0;
  private buf = new Float64Array(0);

  constructor(minHz: number, maxHz: number, stepHz: number) {
    for (let f = minHz; f <= maxHz + 1e-9; f += stepHz) {
      this.freqs.push(f);
      this.coeffs.push(2 * Math.cos((2 * Math.PI * f) / SAMPLE_RATE));
    }
  }

  analyse(frame: Int16Array): FrameTone {
    const n = frame.length;
    if (this.window.length !== n) this.setWindow(n);
    const x = this.buf;
    let energy = 0;
    let raw = 0;
    for (let i = 0; i < n; i++) {
      const s = frame[i] ?? 0;
      raw += s * s;
      const v = s * (this.window[i] ?? 0);
      x[i] = v;
      energy += v * v;
    }
    const rms = Math.sqrt(raw / Math.max(1, n));
    let best = 0;
    let bestHz = 0;
    for (let k = 0; k < this.coeffs.length; k++) {
      const c = this.coeffs[k] ?? 0;
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = (x[i] ?? 0) + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const power = s1 * s1 + s2 * s2 - c * s1 * s2;
      if (power > best) {
        best = power;
        bestHz = this.freqs[k] ?? 0;
      }
    }
    // Pure sine A·cos on bin, Hann window: |X|² = (A·Σw/2)², Σ(xw)² = A²/2·Σw². Normalise to 1.
    const sumW = this.windowSum;
    const ratio = energy > 0 ? (best * 2 * this.windowEnergy) / (energy * sumW * sumW) : 0;
    return { freqHz: bestHz, ratio, rms };
  }

  private setWindow(n: number): void {
    this.window = new Float64Array(n);
    this.buf = new Float64Array(n);
    this.windowEnergy = 0;
    this.windowSum = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
      this.window[i] = w;
      this.windowEnergy += w * w;
      this.windowSum += w;
    }
  }
}

/** Streaming beep detector: push 20 ms frames in order; events come out as the tone is confirmed and ends. */
export class BeepDetector {
  private readonly o: BeepConfig;
  private readonly analyser: ToneAnalyser;
  private elapsedMs = 0;
  private runStartMs = -1;
  private runFreq = 0;
  private runMs = 0;
  private started = false;

  constructor(opts: BeepOptions = {}) {
    this.o = { ...BEEP, ...opts };
    this.analyser = new ToneAnalyser(this.o.minHz, this.o.maxHz, this.o.stepHz);
  }

  push(frame: Int16Array): BeepEvent | undefined {
    const frameStart = this.elapsedMs;
    const frameMs = (frame.length * 1000) / SAMPLE_RATE;
    this.elapsedMs += frameMs;
    const t = this.analyser.analyse(frame);
    const tonal = t.rms >= this.o.minRms && t.ratio >= this.o.minTonalRatio;
    const continues = tonal && this.runStartMs >= 0 && Math.abs(t.freqHz - this.runFreq) <= this.o.maxDriftHz;

    if (continues) {
      this.runMs += frameMs;
      if (!this.started && this.runMs >= this.o.minToneMs) {
        this.started = true;
        return { type: 'beep-start', atMs: this.runStartMs, freqHz: this.runFreq };
      }
      return undefined;
    }
    const ended = this.endRun(frameStart);
    if (tonal) {
      this.runStartMs = frameStart;
      this.runFreq = t.freqHz;
      this.runMs = frameMs;
    }
    return ended;
  }

  /** Closes a tone still running at the end of the stream. */
  finish(): BeepEvent | undefined {
    return this.endRun(this.elapsedMs);
  }

  private endRun(atMs: number): BeepEvent | undefined {
    const wasBeep = this.started && this.runMs <= this.o.maxToneMs;
    const ev: BeepEvent | undefined = wasBeep
      ? { type: 'beep-end', atMs, startMs: this.runStartMs, durationMs: this.runMs, freqHz: this.runFreq }
      : undefined;
    this.runStartMs = -1;
    this.runMs = 0;
    this.started = false;
    return ev;
  }
}

/** Splits PCM into 20 ms frames (the last partial frame is dropped). */
export function* frames(pcm: Int16Array, frameSamples = 160): Generator<Int16Array> {
  for (let i = 0; i + frameSamples <= pcm.length; i += frameSamples) yield pcm.subarray(i, i + frameSamples);
}

/** Convenience over a whole buffer: the first beep's onset, or undefined. */
export function detectBeep(pcm: Int16Array, opts: BeepOptions = {}): { atMs: number; freqHz: number } | undefined {
  const d = new BeepDetector(opts);
  for (const f of frames(pcm)) {
    const ev = d.push(f);
    if (ev?.type === 'beep-start') return { atMs: ev.atMs, freqHz: ev.freqHz };
  }
  return undefined;
}

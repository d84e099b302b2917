/**
 * Answering machine detection (AMD): a heuristic over the first seconds of an answered outbound
 * call, in the manner of Asterisk's app_amd. Input: 8 kHz 16-bit mono PCM in 20 ms frames.
 *
 * It is a heuristic, not a classifier that knows speech: it only looks at how long the callee
 * talks and how long they then stay silent. People answer with a short "hello?" and wait;
 * machines play a long greeting. A verbose person, a terse machine, background talk or music fool
 * it. See docs/dialer.md for the measured accuracy and why "pass to agent" is the safe action.
 *
 * Per frame: high-pass (2nd-order Butterworth) → power → voice/silence against an adaptive noise floor (fast to fall, slow to rise,
 * with hysteresis); voiced runs ≥ minWordMs count as words (gaps ≤ betweenWordsSilenceMs bridged).
 * Rules, first match wins:
 *  1. a steady tone (beep.ts) before any decision              → machine ("beep")
 *  2. no word within initialSilenceMs                            → initialSilenceResult ("initial-silence")
 *  3. greeting span (first word → now, pauses included) ≥ longGreetingMs → machine ("long-greeting")
 *  4. words ≥ maxWords                                           → machine ("too-many-words")
 *  5. silence ≥ afterGreetingSilenceMs after a greeting with voice ≤ humanGreetingMs and
 *     words ≤ maxHumanWords                                      → human ("short-greeting")
 *  6. totalAnalysisMs reached                                    → timeoutResult ("too-long")
 * A greeting between "short" and "long" followed by silence keeps listening (rule 3 or 6 ends it).
 */
import { BeepDetector, SAMPLE_RATE, type BeepOptions } from './beep.js';

export type AmdResult = 'human' | 'machine' | 'unknown';

export interface AmdDecision {
  result: AmdResult;
  reason: string;
  /** Time from the first pushed frame to the end of the frame that decided. */
  atMs: number;
  /** Onset of a beep, when the decision came from one. */
  beepAtMs?: number;
}

/** Default constants (milliseconds unless noted). */
export const AMD = {
  initialSilenceMs: 2500,
  /** Dead air is ambiguous (a person who says nothing, a slow machine, a dropped line). */
  initialSilenceResult: 'unknown' as AmdResult,
  humanGreetingMs: 1500,
  maxHumanWords: 3,
  afterGreetingSilenceMs: 800,
  longGreetingMs: 2500,
  maxWords: 6,
  totalAnalysisMs: 4000,
  timeoutResult: 'unknown' as AmdResult,
  minWordMs: 100,
  betweenWordsSilenceMs: 100,
  /** A frame is voice when its power is this far above the noise floor (dB)… */
  voiceOnDb: 6,
  /** …and stays voice while above this (dB): hysteresis. */
  voiceOffDb: 3,
  /** Absolute minimum RMS for voice (of 32767): about -48 dBFS. */
  minVoiceRms: 130,
  /** Noise-floor rise per second while the signal is above it (dB/s); it falls fast. */
  floorRiseDbPerS: 3,
  /** High-pass corner before the energy (Hz): drops hum and low rumble, which hold little speech. */
  highPassHz: 200,
  /** Beep detection during the analysis; false disables rule 1. */
  detectBeep: true,
};

export type AmdOptions = Partial<typeof AMD> & { beep?: BeepOptions };

const MIN_FLOOR_POWER = 10 * 10;

export class AmdDetector {
  private readonly o: typeof AMD;
  private readonly beep: BeepDetector | undefined;
  private decision: AmdDecision | undefined;
  private elapsedMs = 0;
  private floor = -1;
  private voiced = false;
  // greeting bookkeeping
  private greetingStartMs = -1;
  private voiceMs = 0;
  private words = 0;
  private runMs = 0;
  private runCounted = false;
  private silenceMs = 0;
  private readonly hp: HighPass;

  constructor(opts: AmdOptions = {}) {
    const { beep, ...rest } = opts;
    this.o = { ...AMD, ...rest };
    this.beep = this.o.detectBeep ? new BeepDetector(beep) : undefined;
    this.hp = new HighPass(this.o.highPassHz);
  }

  /** Feeds one frame; returns the decision once (and on every later push), else undefined. */
  push(frame: Int16Array): AmdDecision | undefined {
    if (this.decision) return this.decision;
    const frameMs = (frame.length * 1000) / SAMPLE_RATE;
    const frameStart = this.elapsedMs;
    this.elapsedMs += frameMs;
    const at = this.elapsedMs;

    const ev = this.beep?.push(frame);
    if (ev?.type === 'beep-start') return this.decide('machine', 'beep', ev.atMs);

    const voice = this.classify(frame, frameMs);
    if (voice) {
      this.silenceMs = 0;
      this.runMs += frameMs;
      if (this.greetingStartMs >= 0) this.voiceMs += frameMs;
      if (!this.runCounted && this.runMs >= this.o.minWordMs) {
        this.runCounted = true;
        this.words++;
        if (this.greetingStartMs < 0) {
          this.greetingStartMs = frameStart + frameMs - this.runMs;
          this.voiceMs = this.runMs;
        }
      }
    } else {
      this.silenceMs += frameMs;
      if (this.silenceMs > this.o.betweenWordsSilenceMs) {
        this.runMs = 0;
        this.runCounted = false;
      }
    }
    return this.rules(at);
  }

  /** At the end of the analysis window (or of the audio): the decision, or why there is none. */
  finish(): AmdDecision {
    if (this.decision) return this.decision;
    const reason = this.greetingStartMs < 0 ? 'no-greeting' : 'undecided';
    return this.decide(reason === 'no-greeting' ? this.o.initialSilenceResult : this.o.timeoutResult, reason);
  }

  /** Words counted so far (for logs and tests). */
  get wordCount(): number {
    return this.words;
  }

  private rules(at: number): AmdDecision | undefined {
    const o = this.o;
    const greeting = this.greetingStartMs >= 0;
    if (!greeting && at >= o.initialSilenceMs) return this.decide(o.initialSilenceResult, 'initial-silence');
    if (greeting) {
      const spanMs = at - this.greetingStartMs - this.silenceMs;
      if (spanMs >= o.longGreetingMs) return this.decide('machine', 'long-greeting');
      if (this.words >= o.maxWords) return this.decide('machine', 'too-many-words');
      if (this.silenceMs >= o.afterGreetingSilenceMs && this.voiceMs <= o.humanGreetingMs && this.words <= o.maxHumanWords) {
        return this.decide('human', 'short-greeting');
      }
    }
    if (at >= o.totalAnalysisMs) return this.decide(o.timeoutResult, 'too-long');
    return undefined;
  }

  /** Voice/silence for one frame, then the noise-floor update. */
  private classify(frame: Int16Array, frameMs: number): boolean {
    let sum = 0;
    for (let i = 0; i < frame.length; i++) {
      const s = this.hp.next(frame[i] ?? 0);
      sum += s * s;
    }
    const power = sum / Math.max(1, frame.length);
    if (this.floor < 0) this.floor = Math.max(MIN_FLOOR_POWER, power);
    const o = this.o;
    const db = 10 * Math.log10(Math.max(power, 1) / this.floor);
    const loud = power >= o.minVoiceRms * o.minVoiceRms;
    this.voiced = loud && db >= (this.voiced ? o.voiceOffDb : o.voiceOnDb);
    if (power < this.floor) {
      this.floor = Math.max(MIN_FLOOR_POWER, 0.7 * this.floor + 0.3 * power);
    } else if (!this.voiced) {
      // silence above the floor: track its mean, so the floor is not the noise's troughs
      this.floor = 0.9 * this.floor + 0.1 * power;
    } else {
      const rise = Math.pow(10, (o.floorRiseDbPerS * frameMs) / 1000 / 10);
      this.floor = Math.min(power, this.floor * rise);
    }
    return this.voiced;
  }

  private decide(result: AmdResult, reason: string, beepAtMs?: number): AmdDecision {
    this.decision = { result, reason, atMs: this.elapsedMs, ...(beepAtMs === undefined ? {} : { beepAtMs }) };
    return this.decision;
  }
}

/** 2nd-order Butterworth high-pass (RBJ biquad), direct form I. */
class HighPass {
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(hz: number) {
    const w = (2 * Math.PI * Math.max(1, hz)) / SAMPLE_RATE;
    const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
    const a0 = 1 + alpha;
    const c = Math.cos(w);
    this.b0 = (1 + c) / 2 / a0;
    this.b1 = -(1 + c) / a0;
    this.b2 = this.b0;
    this.a1 = (-2 * c) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  next(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

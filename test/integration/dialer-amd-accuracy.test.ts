/**
 * AMD accuracy on synthetic greetings: espeak-ng voices (several accents, pitches, languages,
 * speeds), speech levels, initial silences and noise (clean, 20 dB, 10 dB SNR; white and pink).
 * Humans: a short greeting, then they wait. Machines: a (mostly long) message, then a beep.
 * Prints one JSON line with the confusion matrix; the floors asserted are below what is measured.
 * Synthetic speech is far easier than real calls: this measures the heuristic, not the field.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frames, BeepDetector } from '../../src/dialer/amd/beep.js';
import { AmdDetector, type AmdDecision } from '../../src/dialer/amd/detector.js';
import { synthGreeting, type GreetingSpec } from '../../src/dialer/amd/synth.js';
import { audioToolsAvailable } from '../support/dialer.js';

const skip = !audioToolsAvailable();

type Lang = 'en' | 'de' | 'fr';
const HUMAN: Record<Lang, string[]> = {
  en: ['Hello?', 'Hi, this is Anna.', 'Yes?', 'Hello, who is this?', 'Yeah, hello?', 'Hello, Mike speaking.', 'Hi!', 'Good morning?'],
  de: ['Hallo?', 'Ja, bitte?', 'Müller, hallo?'],
  fr: ['Allô ?', 'Oui, allô ?', 'Bonjour ?'],
};
const MACHINE: Record<Lang, string[]> = {
  en: [
    "Hi, you've reached the Millers. We can't come to the phone right now, please leave a message after the tone.",
    'The person you are calling is not available. Please leave your message after the beep.',
    "Hello, this is Sarah. I'm away from my desk. Leave your name and number and I will call you back.",
    'Thank you for calling. Nobody is available to take your call. Please record your message at the tone.',
    "Hey, it's Tom, sorry I missed you, leave a message and I'll get back to you as soon as I can.",
    'Please leave a message.',
  ],
  de: [
    'Hallo, hier ist der Anrufbeantworter von Familie Schmidt. Bitte sprechen Sie nach dem Signalton.',
    'Der gewünschte Gesprächspartner ist zurzeit nicht erreichbar. Bitte hinterlassen Sie eine Nachricht.',
  ],
  fr: [
    "Bonjour, vous êtes bien chez Martin. Nous ne sommes pas disponibles, laissez un message après le bip.",
    'Votre correspondant n’est pas joignable pour le moment. Merci de laisser un message après le signal sonore.',
  ],
};
const VOICES: { voice: string; lang: Lang }[] = [
  { voice: 'en-us', lang: 'en' },
  { voice: 'en-gb', lang: 'en' },
  { voice: 'en-us+f3', lang: 'en' },
  { voice: 'en-gb+m3', lang: 'en' },
  { voice: 'en-us+f2', lang: 'en' },
  { voice: 'de', lang: 'de' },
  { voice: 'fr', lang: 'fr' },
];
const NOISES: GreetingSpec['noise'][] = [
  undefined,
  { kind: 'white', snrDb: 20 },
  { kind: 'pink', snrDb: 20 },
  { kind: 'white', snrDb: 10 },
  { kind: 'pink', snrDb: 10 },
];
// AMD_SAMPLES_PER_CLASS enlarges the set (more combinations of the same texts, voices and noises).
const PER_CLASS = Math.max(20, Number(process.env.AMD_SAMPLES_PER_CLASS ?? 24) || 24);
const BEEP_TOLERANCE_MS = 40;

interface Sample {
  truth: 'human' | 'machine';
  spec: GreetingSpec;
}

function corpus(): Sample[] {
  const out: Sample[] = [];
  for (const truth of ['human', 'machine'] as const) {
    for (let i = 0; i < PER_CLASS; i++) {
      const v = VOICES[i % VOICES.length]!;
      const pool = (truth === 'human' ? HUMAN : MACHINE)[v.lang];
      const noise = NOISES[i % NOISES.length];
      const spec: GreetingSpec = {
        text: pool[Math.floor(i / VOICES.length + i) % pool.length]!,
        voice: v.voice,
        speed: [150, 175, 200][i % 3]!,
        levelDb: [-16, -22, -28][Math.floor(i / 2) % 3]!,
        initialSilenceMs: 200 + ((i * 173) % 1300),
        afterMs: truth === 'human' ? 3000 : 250 + ((i * 97) % 500),
        ...(truth === 'machine' ? { beep: { freqHz: [1000, 800, 1400, 1850, 440][i % 5]!, ms: 300 + ((i * 131) % 700) } } : {}),
        ...(noise ? { noise: { ...noise, seed: i + 1 } } : {}),
      };
      out.push({ truth, spec });
    }
  }
  return out;
}

interface Outcome {
  sample: Sample;
  decision: AmdDecision;
  beepErrMs: number | undefined;
  beepAtMs: number | undefined;
}

describe.skipIf(skip)('AMD accuracy on synthesised greetings', () => {
  let dir = '';
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hotline-amd-'));
    const samples = corpus();
    for (let i = 0; i < samples.length; i += 6) {
      const batch = samples.slice(i, i + 6);
      const clips = await Promise.all(batch.map((s) => synthGreeting(s.spec, dir)));
      clips.forEach((clip, j) => {
        const sample = batch[j]!;
        const amd = new AmdDetector();
        const beep = new BeepDetector();
        let decision: AmdDecision | undefined;
        let beepAtMs: number | undefined;
        for (const f of frames(clip.pcm)) {
          decision ??= amd.push(f);
          const ev = beep.push(f);
          if (ev?.type === 'beep-start') beepAtMs ??= ev.atMs;
        }
        decision ??= amd.finish();
        const beepErrMs = clip.beepAtMs !== undefined && beepAtMs !== undefined ? Math.abs(beepAtMs - clip.beepAtMs) : undefined;
        outcomes.push({ sample, decision, beepErrMs, beepAtMs });
      });
    }
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('classifies most greetings right, and rarely takes a person for a machine', () => {
    const n = outcomes.length;
    const count = (truth: string, result: string): number =>
      outcomes.filter((o) => o.sample.truth === truth && o.decision.result === result).length;
    const correct = count('human', 'human') + count('machine', 'machine');
    const machines = outcomes.filter((o) => o.sample.truth === 'machine');
    const beepFound = machines.filter((o) => o.beepErrMs !== undefined && o.beepErrMs <= BEEP_TOLERANCE_MS).length;
    const falseBeeps = outcomes.filter((o) => o.sample.truth === 'human' && o.beepAtMs !== undefined).length;
    const report = {
      amd_samples: n,
      accuracy: Number((correct / n).toFixed(3)),
      human_as_human: count('human', 'human'),
      human_as_machine: count('human', 'machine'),
      human_unknown: count('human', 'unknown'),
      machine_as_machine: count('machine', 'machine'),
      machine_as_human: count('machine', 'human'),
      machine_unknown: count('machine', 'unknown'),
      unknown: count('human', 'unknown') + count('machine', 'unknown'),
      beep_found: Number((beepFound / machines.length).toFixed(3)),
      false_beeps: falseBeeps,
    };
    console.log(JSON.stringify(report));
    for (const o of outcomes.filter((x) => x.decision.result !== x.sample.truth)) {
      const s = o.sample.spec;
      console.log(`amd miss: ${o.sample.truth} → ${o.decision.result} (${o.decision.reason} at ${o.decision.atMs} ms) voice=${s.voice} noise=${s.noise ? `${s.noise.kind}/${s.noise.snrDb}dB` : 'clean'} "${s.text.slice(0, 40)}"`);
    }

    expect(n).toBeGreaterThanOrEqual(40);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.8);
    // The expensive error (hanging up on a person) stays rare.
    expect(report.human_as_machine).toBeLessThanOrEqual(2);
    expect(report.beep_found).toBeGreaterThanOrEqual(0.9);
    expect(falseBeeps).toBe(0);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrompts, ensureTone, promptPath } from '../../src/media/prompts.js';

/** Parses the canonical 44-byte PCM WAV header sox writes. */
function wavInfo(file: string): { format: number; channels: number; rate: number; bits: number; seconds: number } {
  const buf = readFileSync(file);
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  // Walk chunks: "fmt " then "data" (sox may put others between).
  let off = 12;
  let fmt: Buffer | undefined;
  let dataLen = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = buf.subarray(off + 8, off + 8 + len);
    if (id === 'data') {
      dataLen = len;
      break;
    }
    off += 8 + len + (len % 2);
  }
  expect(fmt).toBeDefined();
  const f = fmt!;
  const channels = f.readUInt16LE(2);
  const rate = f.readUInt32LE(4);
  const bits = f.readUInt16LE(14);
  return { format: f.readUInt16LE(0), channels, rate, bits, seconds: dataLen / (rate * channels * (bits / 8)) };
}

function expectTelephonyWav(file: string): number {
  const info = wavInfo(file);
  expect(info.channels).toBe(1);
  expect(info.rate).toBe(8000);
  expect(info.bits).toBe(16);
  expect([1, 0xfffe]).toContain(info.format); // PCM (or extensible PCM)
  return info.seconds;
}

describe('prompts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prompts-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates 8 kHz mono 16-bit WAVs of plausible length, with a sidecar, then keeps them', async () => {
    const texts = { hello: 'Hello.', welcome: 'Thank you for calling. For sales, press 1. For support, press 2.' };
    const first = await ensurePrompts({ dir, voice: 'en-us', texts });
    expect(first).toEqual({ generated: ['hello', 'welcome'], kept: [], failed: [] });

    const short = expectTelephonyWav(join(dir, 'hello.wav'));
    const long = expectTelephonyWav(join(dir, 'welcome.wav'));
    expect(short).toBeGreaterThan(0.2);
    expect(short).toBeLessThan(3);
    expect(long).toBeGreaterThan(2);
    expect(long).toBeLessThan(15);
    expect(long).toBeGreaterThan(short);
    // sox agrees with the header we parsed
    expect(execFileSync('sox', ['--i', '-r', join(dir, 'welcome.wav')], { encoding: 'utf8' }).trim()).toBe('8000');
    expect(readFileSync(join(dir, 'welcome.txt'), 'utf8')).toContain(texts.welcome);
    // no temp files left behind
    expect(readdirSync(dir).sort()).toEqual(['hello.txt', 'hello.wav', 'welcome.txt', 'welcome.wav']);

    const mtime = statSync(join(dir, 'hello.wav')).mtimeMs;
    const again = await ensurePrompts({ dir, voice: 'en-us', texts });
    expect(again).toEqual({ generated: [], kept: ['hello', 'welcome'], failed: [] });
    expect(statSync(join(dir, 'hello.wav')).mtimeMs).toBe(mtime);
  });

  it("keeps an operator's WAV that has no sidecar, whatever the text", async () => {
    const recording = Buffer.from('RIFF-operator-recording');
    writeFileSync(join(dir, 'welcome.wav'), recording);
    const result = await ensurePrompts({ dir, voice: 'en-us', texts: { welcome: 'Welcome.' } });
    expect(result).toEqual({ generated: [], kept: ['welcome'], failed: [] });
    expect(readFileSync(join(dir, 'welcome.wav'))).toEqual(recording);
  });

  it('regenerates when the text or voice changes', async () => {
    await ensurePrompts({ dir, voice: 'en-us', texts: { bye: 'Bye.' } });
    const before = readFileSync(join(dir, 'bye.wav'));

    const changed = await ensurePrompts({ dir, voice: 'en-us', texts: { bye: 'Goodbye, and thank you for calling us today.' } });
    expect(changed).toEqual({ generated: ['bye'], kept: [], failed: [] });
    const after = readFileSync(join(dir, 'bye.wav'));
    expect(after.equals(before)).toBe(false);
    expect(expectTelephonyWav(join(dir, 'bye.wav'))).toBeGreaterThan(1.5);
    expect(readFileSync(join(dir, 'bye.txt'), 'utf8')).toContain('Goodbye, and thank you');

    const revoiced = await ensurePrompts({ dir, voice: 'en-gb', texts: { bye: 'Goodbye, and thank you for calling us today.' } });
    expect(revoiced.generated).toEqual(['bye']);
  });

  it('keeps a recording dropped over a generated prompt even after the text changes', async () => {
    await ensurePrompts({ dir, voice: 'en-us', texts: { welcome: 'Welcome.' } });
    const recording = Buffer.from('RIFF-operator-recording');
    writeFileSync(join(dir, 'welcome.wav'), recording); // the sidecar from generation is still there
    const result = await ensurePrompts({ dir, voice: 'en-us', texts: { welcome: 'Welcome to the new hotline.' } });
    expect(result.kept).toEqual(['welcome']);
    expect(readFileSync(join(dir, 'welcome.wav'))).toEqual(recording);
  });

  it('speaks text literally (no option or shell injection)', async () => {
    const result = await ensurePrompts({ dir, voice: 'en-us', texts: { odd: `-w ${join(dir, 'pwned.wav')}; $(touch pwned) \`id\`` } });
    expect(result.failed).toEqual([]);
    expectTelephonyWav(join(dir, 'odd.wav'));
    expect(readdirSync(dir).sort()).toEqual(['odd.txt', 'odd.wav']);
  });

  it('refuses names that could leave the directory', async () => {
    for (const bad of ['../x', 'a/b', '', '.hidden', 'x.wav', '..']) {
      expect(() => promptPath(dir, bad)).toThrow(/PROMPT_NAME_INVALID/);
    }
    expect(promptPath(dir, 'no-agent_2')).toBe(join(dir, 'no-agent_2.wav'));

    const result = await ensurePrompts({ dir, voice: 'en-us', texts: { '../x': 'Escape.' } });
    expect(result.generated).toEqual([]);
    expect(result.failed).toEqual([{ name: '../x', error: expect.stringMatching(/PROMPT_NAME_INVALID/) }]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a missing tool as failed instead of throwing', async () => {
    const missingEspeak = await ensurePrompts({
      dir,
      voice: 'en-us',
      texts: { a: 'A.', b: 'B.' },
      espeak: '/nonexistent',
    });
    expect(missingEspeak.generated).toEqual([]);
    expect(missingEspeak.failed.map((f) => f.name)).toEqual(['a', 'b']);
    for (const f of missingEspeak.failed) {
      expect(f.error).toMatch(/PROMPT_TOOL_MISSING/);
      expect(f.error).toContain('/nonexistent');
    }

    const missingSox = await ensurePrompts({ dir, voice: 'en-us', texts: { a: 'A.' }, sox: '/nonexistent/sox' });
    expect(missingSox.failed[0]?.error).toMatch(/PROMPT_TOOL_MISSING.*sox/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports an unknown voice as failed', async () => {
    const result = await ensurePrompts({ dir, voice: 'xx-nope', texts: { a: 'A.' } });
    expect(result.failed).toEqual([{ name: 'a', error: expect.stringMatching(/PROMPT_TOOL_FAILED/) }]);
  });

  it('makes ringback and beep tones once', async () => {
    const ringback = join(dir, 'tones', 'ringback.wav');
    const beep = join(dir, 'tones', 'beep.wav');
    await ensureTone(ringback, 'ringback');
    await ensureTone(beep, 'beep');
    expect(expectTelephonyWav(ringback)).toBeCloseTo(6, 2);
    const beepSeconds = expectTelephonyWav(beep);
    expect(beepSeconds).toBeGreaterThan(0.1);
    expect(beepSeconds).toBeLessThan(1);

    const mtime = statSync(ringback).mtimeMs;
    await ensureTone(ringback, 'ringback');
    expect(statSync(ringback).mtimeMs).toBe(mtime);
    await expect(ensureTone(join(dir, 'x.wav'), 'beep', { sox: '/nonexistent' })).rejects.toThrow(/PROMPT_TOOL_MISSING/);
  });
});

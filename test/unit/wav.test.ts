import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWav, WavError } from '../../src/recording/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'hotline-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([head, body, body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

interface WavSpec {
  formatTag?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  frames?: number;
  /** Overrides the data chunk's size field (0 / 0xFFFFFFFF for an unfinished writer). */
  dataSizeField?: number;
  before?: Buffer[];
  after?: Buffer[];
  extensibleSubFormat?: number;
}

function fmtBody(s: Required<Pick<WavSpec, 'formatTag' | 'channels' | 'sampleRate' | 'bits'>>, sub?: number): Buffer {
  const blockAlign = (s.channels * s.bits) / 8;
  const body = Buffer.alloc(sub === undefined ? 16 : 40);
  body.writeUInt16LE(sub === undefined ? s.formatTag : 0xfffe, 0);
  body.writeUInt16LE(s.channels, 2);
  body.writeUInt32LE(s.sampleRate, 4);
  body.writeUInt32LE(s.sampleRate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(s.bits, 14);
  if (sub !== undefined) {
    body.writeUInt16LE(22, 16); // cbSize
    body.writeUInt16LE(s.bits, 18);
    body.writeUInt32LE(0b11, 20); // channel mask
    body.writeUInt16LE(sub, 24); // first two bytes of the sub-format GUID
  }
  return body;
}

/** Writes a WAV built byte by byte and returns its path and bytes. */
function writeWav(name: string, spec: WavSpec = {}): { file: string; bytes: Buffer } {
  const s = { formatTag: 1, channels: 2, sampleRate: 8000, bits: 16, frames: 8000, ...spec };
  const data = Buffer.alloc(s.frames * s.channels * (s.bits / 8));
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const chunks = [
    chunk('fmt ', fmtBody(s, s.extensibleSubFormat)),
    ...(s.before ?? []),
    chunk('data', data, s.dataSizeField),
    ...(s.after ?? []),
  ];
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(s.dataSizeField === undefined ? body.length : 0xffffffff, 4);
  const bytes = Buffer.concat([riff, body]);
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return { file, bytes };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('describeWav', () => {
  it('describes a one-second stereo 16-bit 8 kHz PCM recording', async () => {
    const { file, bytes } = writeWav('stereo.wav');
    expect(await describeWav(file)).toEqual({
      sizeBytes: bytes.length,
      checksumSha256: sha(bytes),
      channels: 2,
      sampleRate: 8000,
      durationMs: 1000,
      format: 'wav/pcm16/8000/2ch',
    });
  });

  it('skips LIST and odd-sized chunks before and after the data', async () => {
    const { file, bytes } = writeWav('extra-chunks.wav', {
      channels: 1,
      frames: 4000,
      before: [
        chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1')),
        chunk('odd ', Buffer.alloc(3)),
      ],
      after: [chunk('JUNK', Buffer.alloc(100))],
    });
    const d = await describeWav(file);
    expect(d).toMatchObject({ channels: 1, durationMs: 500, format: 'wav/pcm16/8000/1ch', sizeBytes: bytes.length });
    expect(d.checksumSha256).toBe(sha(bytes));
  });

  it('finds fmt when it comes after a data chunk of known size', async () => {
    const data = Buffer.alloc(1600); // 100 ms of mono 16-bit 8 kHz
    const fmt = fmtBody({ formatTag: 1, channels: 1, sampleRate: 8000, bits: 16 });
    const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('data', data), chunk('fmt ', fmt)]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0, 'latin1');
    riff.writeUInt32LE(body.length, 4);
    const file = join(dir, 'fmt-last.wav');
    writeFileSync(file, Buffer.concat([riff, body]));
    expect((await describeWav(file)).durationMs).toBe(100);
  });

  it.each([
    ['zero', 0],
    ['0xFFFFFFFF', 0xffffffff],
    ['past the end of the file', 10_000_000],
  ])('uses the file size when an unfinished writer left a data size of %s', async (_label, field) => {
    const { file, bytes } = writeWav(`unfinished-${field}.wav`, { frames: 12_000, dataSizeField: field });
    const d = await describeWav(file);
    expect(d.durationMs).toBe(1500);
    expect(d.sizeBytes).toBe(bytes.length);
    expect(d.checksumSha256).toBe(sha(bytes));
  });

  it('names mu-law, a-law, float and WAVE_FORMAT_EXTENSIBLE PCM formats', async () => {
    const mulaw = writeWav('mulaw.wav', { formatTag: 7, channels: 1, bits: 8, frames: 800 });
    const alaw = writeWav('alaw.wav', { formatTag: 6, channels: 2, bits: 8, frames: 800 });
    const float = writeWav('float.wav', { formatTag: 3, channels: 1, bits: 32, sampleRate: 16000, frames: 1600 });
    const ext = writeWav('ext.wav', { extensibleSubFormat: 1, sampleRate: 48000, frames: 4800 });
    expect(await describeWav(mulaw.file)).toMatchObject({ format: 'wav/mulaw/8000/1ch', durationMs: 100 });
    expect(await describeWav(alaw.file)).toMatchObject({ format: 'wav/alaw/8000/2ch', durationMs: 100 });
    expect(await describeWav(float.file)).toMatchObject({ format: 'wav/float32/16000/1ch', durationMs: 100 });
    expect(await describeWav(ext.file)).toMatchObject({ format: 'wav/pcm16/48000/2ch', durationMs: 100 });
  });

  it('agrees with a file written by sox and hashes it by streaming', async () => {
    const file = join(dir, 'sox.wav');
    const format = ['-r', '8000', '-c', '2', '-b', '16', '-e', 'signed-integer'];
    execFileSync('sox', ['-n', ...format, file, 'synth', '90', 'sine', '440']);
    const bytes = readFileSync(file);
    expect(await describeWav(file)).toEqual({
      sizeBytes: bytes.length,
      checksumSha256: sha(bytes),
      channels: 2,
      sampleRate: 8000,
      durationMs: 90_000,
      format: 'wav/pcm16/8000/2ch',
    });
  });

  it('rejects a file that is not a WAV with WAV_INVALID', async () => {
    const file = join(dir, 'not.wav');
    writeFileSync(file, 'ID3 this is an mp3, honest');
    await expect(describeWav(file)).rejects.toMatchObject({ name: 'WavError', code: 'WAV_INVALID' });
  });

  it('rejects a WAV without a data chunk with WAV_INVALID', async () => {
    const body = Buffer.concat([
      Buffer.from('WAVE', 'latin1'),
      chunk('fmt ', fmtBody({ formatTag: 1, channels: 1, sampleRate: 8000, bits: 16 })),
    ]);
    const riff = Buffer.from('RIFF\0\0\0\0', 'latin1');
    riff.writeUInt32LE(body.length, 4);
    const file = join(dir, 'no-data.wav');
    writeFileSync(file, Buffer.concat([riff, body]));
    await expect(describeWav(file)).rejects.toMatchObject({ code: 'WAV_INVALID' });
  });

  it('rejects a missing file with WAV_UNREADABLE', async () => {
    const err: unknown = await describeWav(join(dir, 'missing.wav')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WavError);
    expect(err).toMatchObject({ code: 'WAV_UNREADABLE' });
  });
});

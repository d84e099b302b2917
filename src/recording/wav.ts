/**
 * Facts about a finished recording file for its metadata row: size, sha256, and the audio
 * layout read from the WAV header (RIFF / fmt / data chunks).
 *
 * Tolerates what real writers leave behind: extra chunks (LIST, fact, JUNK…) before or after
 * `data`, odd-sized chunks padded to even, and a `data` size of 0 or 0xFFFFFFFF (or one past
 * the end of the file) from a writer that never went back to patch the header — then the
 * data is taken to run to the end of the file.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

export interface WavDescription {
  sizeBytes: number;
  /** Lower-case hex sha256 of the whole file. */
  checksumSha256: string;
  channels: number;
  sampleRate: number;
  durationMs: number;
  /** `wav/<codec>/<rate>/<n>ch`, e.g. `wav/pcm16/8000/2ch`. */
  format: string;
}

/** WAV_UNREADABLE: the file could not be opened or read; WAV_INVALID: it is not a WAV we understand. */
export type WavErrorCode = 'WAV_UNREADABLE' | 'WAV_INVALID';

export class WavError extends Error {
  override readonly name = 'WavError';

  constructor(
    readonly code: WavErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const UNKNOWN_SIZE = 0xffffffff;
const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

interface FmtChunk {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

/** Size, checksum and audio layout of the WAV at `file`. Rejects with a `WavError`. */
export async function describeWav(file: string): Promise<WavDescription> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new WavError('WAV_UNREADABLE', `cannot open ${file}: ${messageOf(err)}`, { cause: err });
  }
  try {
    // One handle and one size for both the header and the hash, so they describe the same bytes
    // even if a writer is still appending.
    const sizeBytes = (await fh.stat()).size;
    const { fmt, dataBytes } = await readHeader(fh, sizeBytes, file);
    const frames = Math.floor(dataBytes / fmt.blockAlign);
    const checksumSha256 = await sha256(fh, sizeBytes, file);
    return {
      sizeBytes,
      checksumSha256,
      channels: fmt.channels,
      sampleRate: fmt.sampleRate,
      durationMs: Math.round((frames * 1000) / fmt.sampleRate),
      format: `wav/${codecName(fmt)}/${fmt.sampleRate}/${fmt.channels}ch`,
    };
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number, file: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  try {
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    throw new WavError('WAV_UNREADABLE', `cannot read ${file}: ${messageOf(err)}`, { cause: err });
  }
}

async function readHeader(
  fh: FileHandle,
  fileSize: number,
  file: string,
): Promise<{ fmt: FmtChunk; dataBytes: number }> {
  const riff = await readAt(fh, 0, 12, file);
  if (riff.length < 12 || riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('WAV_INVALID', `${file} is not a RIFF/WAVE file`);
  }
  let fmt: FmtChunk | undefined;
  let dataBytes: number | undefined;
  let offset = 12;
  while (offset + 8 <= fileSize && (fmt === undefined || dataBytes === undefined)) {
    const head = await readAt(fh, offset, 8, file);
    if (head.length < 8) break;
    const id = head.toString('latin1', 0, 4);
    const size = head.readUInt32LE(4);
    const bodyStart = offset + 8;
    if (id === 'fmt ') {
      fmt = parseFmt(await readAt(fh, bodyStart, Math.min(size, 40), file), file);
    } else if (id === 'data') {
      const toEnd = fileSize - bodyStart;
      const unfinished = size === 0 || size === UNKNOWN_SIZE || size > toEnd;
      dataBytes = unfinished ? toEnd : size;
      if (unfinished) break; // the data runs to the end of the file: nothing to find after it
    }
    offset = bodyStart + size + (size % 2); // chunks are padded to an even length
  }
  if (fmt === undefined) throw new WavError('WAV_INVALID', `${file} has no fmt chunk before its data ends`);
  if (dataBytes === undefined) throw new WavError('WAV_INVALID', `${file} has no data chunk`);
  return { fmt, dataBytes };
}

function parseFmt(body: Buffer, file: string): FmtChunk {
  if (body.length < 16) throw new WavError('WAV_INVALID', `${file}: fmt chunk is ${body.length} bytes, want >= 16`);
  let formatTag = body.readUInt16LE(0);
  // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
  if (formatTag === FORMAT_EXTENSIBLE && body.length >= 26) formatTag = body.readUInt16LE(24);
  const fmt: FmtChunk = {
    formatTag,
    channels: body.readUInt16LE(2),
    sampleRate: body.readUInt32LE(4),
    blockAlign: body.readUInt16LE(12),
    bitsPerSample: body.readUInt16LE(14),
  };
  if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.blockAlign === 0) {
    throw new WavError('WAV_INVALID', `${file}: fmt chunk has zero channels, sample rate or block align`);
  }
  return fmt;
}

function codecName(fmt: FmtChunk): string {
  switch (fmt.formatTag) {
    case FORMAT_PCM:
      return `pcm${fmt.bitsPerSample}`;
    case FORMAT_FLOAT:
      return `float${fmt.bitsPerSample}`;
    case FORMAT_ALAW:
      return 'alaw';
    case FORMAT_MULAW:
      return 'mulaw';
    default:
      return `fmt0x${fmt.formatTag.toString(16).padStart(4, '0')}`;
  }
}

async function sha256(fh: FileHandle, size: number, file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(fh.createReadStream({ start: 0, end: size - 1, autoClose: false }), hash);
  } catch (err) {
    throw new WavError('WAV_UNREADABLE', `cannot read ${file}: ${messageOf(err)}`, { cause: err });
  }
  return hash.digest('hex');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

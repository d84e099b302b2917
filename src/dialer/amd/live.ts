/**
 * The detector on a live call: the answered leg's audio is recorded to a
 * scratch WAV (projectrtp writes it block by block as packets arrive), and
 * the growing file is read every `pollMs` and cut into 20 ms frames of 8 kHz
 * mono PCM, the remote party's channel only (what we play is not in it).
 *
 *   listen ──frames──▶ AmdDetector ──decision──▶ machine / human / unknown
 *                   └▶ BeepDetector (waitForBeepEnd, to leave a message)
 *
 * Nothing here keeps a file: the scratch WAV is removed when listening ends.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { MediaEndpoint, MediaRecording } from '../../media/port.js';
import { BeepDetector, SAMPLE_RATE } from './beep.js';
import { AMD, AmdDetector, type AmdDecision, type AmdOptions } from './detector.js';

const WAV_HEADER = 44;
const FRAME_MS = 20;

export interface LiveAudioOptions {
  /** The scratch WAV. */
  file: string;
  pollMs?: number;
  signal?: AbortSignal;
}

/** The remote party's audio of an endpoint, as 20 ms frames, while it lasts. */
export class LiveAudio {
  private recording: MediaRecording | undefined;
  private fh: FileHandle | undefined;
  private offset = WAV_HEADER;
  private channels = 0;
  private rate = 0;
  private carry = Buffer.alloc(0);
  private closed = false;

  constructor(
    private readonly endpoint: MediaEndpoint,
    private readonly opts: LiveAudioOptions,
  ) {}

  /**
   * Calls `onFrame` with each new frame until it returns true, `maxMs` of
   * listening pass, or the signal aborts. Resolves how it ended.
   */
  async listen(maxMs: number, onFrame: (frame: Int16Array) => boolean): Promise<'done' | 'timeout' | 'aborted'> {
    if (this.endpoint.closed) return 'aborted';
    this.recording ??= this.endpoint.record({ file: this.opts.file, channels: 2 });
    const until = Date.now() + maxMs;
    const pollMs = this.opts.pollMs ?? 100;
    while (!this.closed) {
      if (this.opts.signal?.aborted === true || this.endpoint.closed) return 'aborted';
      for (const frame of await this.read()) if (onFrame(frame)) return 'done';
      if (Date.now() >= until) return 'timeout';
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return 'aborted';
  }

  /** Stops the recording and removes the scratch file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh?.close().catch(() => undefined);
    await Promise.race([this.recording?.stop(), new Promise((r) => setTimeout(r, 2000))]).catch(() => undefined);
    await rm(this.opts.file, { force: true }).catch(() => undefined);
  }

  private async read(): Promise<Int16Array[]> {
    if (this.fh === undefined) {
      this.fh = await open(this.opts.file, 'r').catch(() => undefined);
      if (this.fh === undefined) return []; // not created yet
    }
    if (this.rate === 0) {
      const head = Buffer.alloc(WAV_HEADER);
      const { bytesRead } = await this.fh.read(head, 0, WAV_HEADER, 0);
      if (bytesRead < WAV_HEADER || head.toString('ascii', 0, 4) !== 'RIFF') return [];
      this.channels = head.readUInt16LE(22);
      this.rate = head.readUInt32LE(24);
      if (this.channels < 1 || (this.rate !== 8000 && this.rate !== 16000)) return [];
    }
    const chunk = Buffer.alloc(64 * 1024);
    const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.offset);
    if (bytesRead === 0) return [];
    this.offset += bytesRead;
    const data = this.carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([this.carry, chunk.subarray(0, bytesRead)]);
    const frameBytes = ((this.rate * FRAME_MS) / 1000) * this.channels * 2;
    const whole = Math.floor(data.length / frameBytes);
    this.carry = Buffer.from(data.subarray(whole * frameBytes));
    const out: Int16Array[] = [];
    const step = this.rate / SAMPLE_RATE; // 1 or 2 (G.722 is recorded at 16 kHz)
    for (let f = 0; f < whole; f++) {
      const frame = new Int16Array((SAMPLE_RATE * FRAME_MS) / 1000);
      for (let i = 0; i < frame.length; i++) {
        let sum = 0;
        for (let s = 0; s < step; s++) sum += data.readInt16LE(f * frameBytes + ((i * step + s) * this.channels) * 2);
        frame[i] = Math.round(sum / step);
      }
      out.push(frame);
    }
    return out;
  }
}

/**
 * Listens to the first seconds after an answer and decides. Dead air, a
 * hang-up or a recording that never starts is `unknown`: the caller of this
 * treats that as a person.
 */
export async function detectOnCall(audio: LiveAudio, opts: AmdOptions = {}): Promise<AmdDecision> {
  const detector = new AmdDetector(opts);
  let decision: AmdDecision | undefined;
  const maxMs = (opts.totalAnalysisMs ?? AMD.totalAnalysisMs) + 1500; // the recording starts a little after the answer
  await audio.listen(maxMs, (frame) => {
    decision = detector.push(frame);
    return decision !== undefined;
  });
  return decision ?? detector.finish();
}

/**
 * After a machine's greeting: waits for the beep to end, or for the line to
 * stay quiet (a voicemail that does not beep), up to `maxMs`. "quiet" is
 * `quietMs` of frames under the voice threshold after at least one beep-less
 * second.
 */
export async function waitForBeepEnd(audio: LiveAudio, o: { maxMs?: number; quietMs?: number; minVoiceRms?: number } = {}): Promise<'beep' | 'quiet' | 'timeout' | 'hung-up'> {
  const beep = new BeepDetector();
  const quietMs = o.quietMs ?? 2500;
  const floor = o.minVoiceRms ?? AMD.minVoiceRms;
  let quiet = 0;
  let inBeep = false;
  let how: 'beep' | 'quiet' = 'quiet';
  const r = await audio.listen(o.maxMs ?? 30_000, (frame) => {
    const ev = beep.push(frame);
    if (ev?.type === 'beep-start') inBeep = true;
    if (ev?.type === 'beep-end') {
      how = 'beep';
      return true;
    }
    let sq = 0;
    for (const s of frame) sq += s * s;
    quiet = !inBeep && Math.sqrt(sq / frame.length) < floor ? quiet + FRAME_MS : 0;
    return quiet >= quietMs;
  });
  return r === 'done' ? how : r === 'timeout' ? 'timeout' : 'hung-up';
}

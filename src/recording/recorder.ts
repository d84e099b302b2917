/**
 * Records every bridged call (when enabled): from the moment the caller is
 * first connected to an agent until the call ends, on the caller's endpoint,
 * so a stereo file has the caller left and what the caller hears (the agent,
 * or music on hold) right. When the call ends the file is finished, described
 * (size, duration, sha256) and its metadata stored; a database outage spools
 * the metadata and keeps the file (RecordingStore retries).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Call } from '../calls/call.js';
import type { MediaRecording } from '../media/port.js';
import type { RecordingMeta, RecordingStore } from './store.js';
import { describeWav } from './wav.js';

export interface RecorderOptions {
  enabled: boolean;
  channels: 1 | 2;
  dir: string;
  store: RecordingStore;
  logger?: Logger;
}

export interface ActiveRecording {
  id: string;
  file: string;
  startedAt: Date;
  media: MediaRecording;
}

export class CallRecorder {
  /** Metadata writes in flight (tests and shutdown wait for them). */
  private readonly inflight = new Set<Promise<void>>();
  /** Recordings of calls in progress, by call id. */
  private readonly active = new Map<string, { call: Call; rec: ActiveRecording }>();

  constructor(private readonly opts: RecorderOptions) {}

  /** Watch a call: start recording on its first connect, finish and store on end. */
  attach(call: Call): void {
    if (!this.opts.enabled) return;
    let active: ActiveRecording | undefined;
    call.on('state', (to) => {
      if (to !== 'connected' || active !== undefined) return;
      active = this.start(call);
      if (active === undefined) return;
      this.active.set(call.id, { call, rec: active });
      call.noteRecording('started', active.id);
    });
    call.on('ended', () => {
      if (active === undefined) return;
      this.active.delete(call.id);
      const rec = active;
      const p = this.finish(call, rec)
        .then(() => call.noteRecording('stopped', rec.id))
        // the WAV stays on disk; only its row is missing (a DB that refuses it, a full disk for the spool)
        .catch((err: unknown) => call.log?.error({ err, recordingId: rec.id, code: 'RECORDING_METADATA_LOST' }, 'recording metadata could not be stored or spooled'))
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    });
  }

  private start(call: Call): ActiveRecording | undefined {
    const ep = call.caller.endpoint;
    if (ep === undefined || ep.closed) return undefined;
    const id = randomUUID();
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const dir = join(this.opts.dir, day);
    const file = join(dir, `${id}.wav`);
    try {
      mkdirSync(dir, { recursive: true });
      const media = ep.record({ file, channels: this.opts.channels });
      call.log?.info({ recordingId: id }, 'recording started');
      return { id, file, startedAt: new Date(), media };
    } catch (err) {
      call.log?.error({ err, recordingId: id }, 'recording could not start');
      return undefined;
    }
  }

  private async finish(call: Call, rec: ActiveRecording): Promise<void> {
    const log = call.log?.child({ recordingId: rec.id });
    await Promise.race([rec.media.stop(), delay(5000)]);
    await settled(rec.file);
    const endedAt = new Date(call.endedAt ?? Date.now());
    let described: Awaited<ReturnType<typeof describeWav>> | undefined;
    try {
      described = await describeWav(rec.file);
    } catch (err) {
      log?.error({ err }, 'recording file unreadable');
    }
    const agent = call.legs.find((l) => l.role === 'agent');
    const meta: RecordingMeta = {
      id: rec.id,
      callId: call.id,
      legs: call.legs.map((l) => ({ role: l.role, legId: l.id, sipCallId: l.sipCallId })),
      callerNumber: call.caller.party,
      agentId: agent?.party ?? null,
      queue: call.variables.get('queue') ?? null,
      startedAt: rec.startedAt,
      answeredAt: call.connectedAt === undefined ? null : new Date(call.connectedAt),
      endedAt,
      durationMs: described?.durationMs ?? 0,
      filePath: rec.file,
      sizeBytes: described?.sizeBytes ?? 0,
      format: described?.format ?? 'unknown',
      channels: described?.channels ?? rec.media.channels,
      checksumSha256: described?.checksumSha256 ?? '',
      status: described === undefined ? 'failed' : 'complete',
    };
    const outcome = await this.opts.store.save(meta);
    log?.info({ outcome, durationMs: meta.durationMs }, 'recording stored');
  }

  /**
   * Pause (PCI: the caller reads out a card number) or resume a call's
   * recording. While paused nothing is written: the file is shorter by the
   * paused time. Returns false when the call has no recording in progress.
   */
  setPaused(callId: string, paused: boolean): boolean {
    const entry = this.active.get(callId);
    if (entry === undefined) return false;
    const { call, rec } = entry;
    if (rec.media.paused === paused) return true;
    if (paused) rec.media.pause();
    else rec.media.resume();
    call.noteRecording(paused ? 'paused' : 'resumed', rec.id);
    return true;
  }

  /** Resolves when every recording of ended calls has its metadata stored or spooled. */
  async flush(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** projectrtp finishes files with asynchronous writes: wait until the size stops changing. */
export async function settled(file: string): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size === last && size > 0) return;
    last = size;
    await delay(50);
  }
}

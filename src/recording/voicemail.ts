/**
 * Voicemail for callers the queue cannot keep: a prompt, a beep, then the
 * caller's audio (mono) until they hang up, press # or reach the limit. The
 * message is stored like a call recording, its queue column naming the
 * mailbox (`voicemail:<mailbox>`), so it is found with the same search.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Call } from '../calls/call.js';
import type { Leg } from '../calls/leg.js';
import type { RecordingStore } from './store.js';
import { describeWav } from './wav.js';
import { settled } from './recorder.js';

export interface VoicemailOptions {
  dir: string;
  store: RecordingStore;
  prompt(name: string): string;
  beep: string;
  maxMs?: number;
  /** Played before the beep instead of the standard `voicemail` prompt (an IVR's own greeting). */
  greeting?: readonly string[];
}

export async function recordVoicemail(call: Call, mailbox: string, opts: VoicemailOptions): Promise<string | undefined> {
  const ep = call.caller.endpoint;
  if (ep === undefined || ep.closed || call.isEnded()) return undefined;
  await ep.play([...(opts.greeting !== undefined && opts.greeting.length > 0 ? opts.greeting : [opts.prompt('voicemail')]), opts.beep]).catch(() => undefined);
  if (call.isEnded()) return undefined;
  const id = randomUUID();
  const dir = join(opts.dir, mailbox);
  const file = join(dir, `${id}.wav`);
  await mkdir(dir, { recursive: true });
  const startedAt = new Date();
  const rec = ep.record({ file, channels: 1 });
  call.outcomes.add('voicemail');
  call.log?.info({ recordingId: id, mailbox }, 'voicemail recording');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, opts.maxMs ?? 120_000);
    const onDigit = (leg: Leg, digit: string): void => {
      if (leg === call.caller && digit === '#') done();
    };
    function done(): void {
      clearTimeout(timer);
      call.off('dtmf', onDigit);
      call.off('ended', done);
      resolve();
    }
    call.on('dtmf', onDigit);
    call.once('ended', done);
    if (call.isEnded()) done(); // hung up while the file was being set up
  });
  await Promise.race([rec.stop(), new Promise((r) => setTimeout(r, 5000))]);
  await settled(file);
  const described = await describeWav(file).catch(() => undefined);
  await opts.store.save({
    id,
    callId: call.id,
    legs: [{ role: 'caller', legId: call.caller.id, sipCallId: call.caller.sipCallId }],
    callerNumber: call.caller.party,
    agentId: null,
    queue: `voicemail:${mailbox}`,
    startedAt,
    answeredAt: null,
    endedAt: new Date(),
    durationMs: described?.durationMs ?? 0,
    filePath: file,
    sizeBytes: described?.sizeBytes ?? 0,
    format: described?.format ?? 'unknown',
    channels: 1,
    checksumSha256: described?.checksumSha256 ?? '',
    status: described === undefined ? 'failed' : 'complete',
  });
  if (!call.isEnded()) await ep.play([opts.prompt('voicemail-saved')]).catch(() => undefined);
  return id;
}

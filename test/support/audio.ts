/**
 * Audio checks with sox: length and loudness of a WAV, per channel.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ChannelStat {
  lengthSec: number;
  rms: number;
}

/** `sox file -n remix <channel> stat` (channel 1-based). sox prints stat on stderr. */
export async function soxStat(file: string, channel?: number): Promise<ChannelStat> {
  const args = [file, '-n'];
  if (channel !== undefined) args.push('remix', String(channel));
  args.push('stat');
  const { stderr } = await run('sox', args);
  const num = (label: string): number => Number(new RegExp(`${label}:\\s+(-?[0-9.e+-]+)`).exec(stderr)?.[1] ?? NaN);
  return { lengthSec: num('Length \\(seconds\\)'), rms: num('RMS\\s+amplitude') };
}

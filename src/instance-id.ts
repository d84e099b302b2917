/**
 * This server's instance id, kept in the data dir so a restart (even after
 * kill -9) is the same instance: the ACD then knows at once that the callers
 * it had queued lost their media with the old process, instead of waiting
 * for the heartbeat to expire. Two servers must not share a data dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function instanceIdFor(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{4,64}$/.test(id)) return id;
  } catch {
    // first start with this data dir
  }
  const id = randomBytes(6).toString('hex');
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${id}\n`);
  } catch {
    // a read-only data dir: the id lasts this run only
  }
  return id;
}

/**
 * projectrtp runs once per process: its native `run()` cannot be called again
 * after `shutdown()`, and a running engine keeps the event loop alive until
 * shut down. So servers in one process share it (acquire/release), and the
 * process owner decides when it ends: `npm start` shuts it down when the last
 * server stops; the test setup shuts it down after each test file.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadNative, loadWrapper, type NativeAddon } from './binding.js';
import { MediaError } from '../port.js';

export interface EngineParams {
  portMin: number;
  portMax: number;
  /** Where the DTLS certificate goes when HOME is missing or read-only. */
  fallbackHome: string;
}

let native: NativeAddon | undefined;
let shutdownFn: (() => Promise<void>) | undefined;
let users = 0;
let ended = false;

function writableHome(fallback: string): void {
  const home = process.env.HOME;
  if (home !== undefined && home !== '') {
    try {
      accessSync(home, constants.W_OK);
      return;
    } catch {
      // fall through
    }
  }
  const dir = resolve(fallback);
  mkdirSync(join(dir, '.projectrtp', 'certs'), { recursive: true });
  process.env.HOME = dir;
}

export function acquireEngine(params: EngineParams): NativeAddon {
  if (ended) throw new MediaError('MEDIA_UNAVAILABLE', 'projectrtp was shut down in this process and cannot restart');
  if (native === undefined) {
    writableHome(params.fallbackHome);
    let wrapper: ReturnType<typeof loadWrapper>;
    try {
      wrapper = loadWrapper();
      wrapper.projectrtp.run({ ports: { start: params.portMin, end: params.portMax } });
      native = loadNative();
    } catch (err) {
      throw new MediaError('MEDIA_UNAVAILABLE', `projectrtp could not start: ${err instanceof Error ? err.message : String(err)} (run make setup)`);
    }
    shutdownFn = wrapper.projectrtp.shutdown;
  }
  users++;
  return native;
}

/** One server is done with the engine; with `shutdown`, end it when nobody else uses it. */
export async function releaseEngine(shutdown: boolean): Promise<void> {
  users = Math.max(0, users - 1);
  if (shutdown && users === 0) await shutdownEngine();
}

/** End the engine for this process (idempotent). */
export async function shutdownEngine(): Promise<void> {
  if (native === undefined || ended) return;
  ended = true;
  await shutdownFn?.();
}

export function engineRunning(): boolean {
  return native !== undefined && !ended;
}

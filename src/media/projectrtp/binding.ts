/**
 * The part of @babblevoice/projectrtp's native addon we use, typed. The
 * package is CommonJS without types; its JS wrapper adds an EventEmitter and
 * two UUIDs per channel, so channels are opened on the native addon directly
 * (less heap per call) after the wrapper's `run()` has made the DTLS
 * certificate and started the engine.
 */
import { createRequire } from 'node:module';

export interface NativeRemote {
  address: string;
  port: number;
  /** Payload type of the codec both sides use (0 PCMU, 8 PCMA, 9 G722, or iLBC's dynamic PT with ilbcpt). */
  codec: number;
  /** PT of RFC 4733 telephone-event, received and sent (default 101). */
  rfc2833pt?: number;
  ilbcpt?: number;
}

export interface NativeCloseStats {
  in?: { mos?: number; count?: number; dropped?: number };
  out?: { count?: number };
}

/** What the engine reports on a channel's callback. */
export type NativeEvent =
  | { action: 'close'; reason: string; stats?: NativeCloseStats }
  | { action: 'play'; event: 'start' | 'end'; reason: string }
  | { action: 'record'; file: string; event: string }
  | { action: 'telephone-event'; event: string }
  | { action: 'mix'; event: string };

export interface NativeChannel {
  local: { port: number; ssrc: number };
  close(): boolean;
  remote(remote: NativeRemote): boolean;
  mix(other: NativeChannel): boolean;
  unmix(): boolean;
  play(soup: { loop?: boolean | number; files: { wav: string; loop?: boolean | number }[] }): boolean;
  record(opts: { file: string; numchannels?: number; pause?: boolean; finish?: boolean; maxduration?: number }): boolean;
  direction(dir: { send?: boolean; recv?: boolean }): boolean;
  dtmf(digits: string): boolean;
}

export interface NativeAddon {
  openchannel(params: { remote?: NativeRemote }, cb: (event: NativeEvent) => void): NativeChannel;
  stats(): unknown;
}

interface Wrapper {
  projectrtp: { run(params?: { ports?: { start: number; end: number } }): void; shutdown?: () => Promise<void> };
}

const require = createRequire(import.meta.url);

export function loadWrapper(): Wrapper {
  return require('@babblevoice/projectrtp') as Wrapper;
}

export function loadNative(): NativeAddon {
  return require('@babblevoice/projectrtp/build/Release/projectrtp.node') as NativeAddon;
}

/**
 * Run sipp (Debian package sip-tester) as a real SIP peer.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCENARIOS = new URL('../sipp/', import.meta.url).pathname;

export function sippAvailable(): boolean {
  return existsSync('/usr/bin/sipp');
}

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** sipp's error log (-trace_err), if any. */
  errors: string;
  /** sipp's message trace (-trace_msg), if any. */
  messages: string;
}

export interface SippOptions {
  /** Scenario file in test/sipp/ or a built-in name like 'uac' (then `builtin: true`). */
  scenario: string;
  builtin?: boolean;
  target?: string;
  /** Local port for sipp. */
  localPort?: number;
  transport?: 'u1' | 't1';
  calls?: number;
  rate?: number;
  /** Value of -s (service / Request-URI user). */
  service?: string;
  /** Extra -key name value pairs, available as [name] in the scenario. */
  keys?: Record<string, string>;
  auth?: { username: string; password: string };
  timeoutSec?: number;
  extra?: string[];
}

export function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args: string[] = [];
  if (o.target !== undefined) args.push(o.target);
  args.push(o.builtin === true ? '-sn' : '-sf', o.builtin === true ? o.scenario : join(SCENARIOS, o.scenario));
  args.push('-i', '127.0.0.1', '-p', String(o.localPort ?? 0));
  args.push('-t', o.transport ?? 'u1');
  args.push('-m', String(o.calls ?? 1));
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  if (o.service !== undefined) args.push('-s', o.service);
  if (o.auth !== undefined) args.push('-au', o.auth.username, '-ap', o.auth.password);
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
  args.push('-timeout', `${o.timeoutSec ?? 20}s`, '-timeout_error');
  args.push('-trace_err', '-error_file', join(dir, 'err.log'), '-trace_msg', '-message_file', join(dir, 'msg.log'));
  args.push('-nostdin');
  args.push(...(o.extra ?? []));
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
      resolve({ code, stdout, stderr, errors: read('err.log'), messages: read('msg.log') });
    });
  });
}

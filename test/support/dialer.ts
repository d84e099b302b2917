/**
 * What the dialer's end-to-end tests share: a server with one `sales` queue
 * that only agent 1001 works, the trunk on sipp's port, and whether the
 * audio tools the synthesised parties need are installed.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { freePort } from './ports.js';
import type { TestServer } from './server.js';
import { runSipp, type SippOptions, type SippRun } from './sipp.js';

/** Is `cmd` installed (answers `--version`)? */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** espeak-ng and sox: the synthesised greetings of the called parties. */
export const audioToolsAvailable = (): boolean => hasCommand('espeak-ng') && hasCommand('sox');

/** Queue `sales` (1001 alone, longest-idle, 8 s ring), the trunk at 127.0.0.1:`trunkPort`, the dialer's safe harbor and 15 s ring. */
export function configureDialerServer(c: Config, trunkPort: number, o: { safeHarborSeconds: number }): void {
  for (const a of c.agents) {
    a.skills = a.id === '1001' ? { sales: 5 } : {};
    a.autoLogin = true;
  }
  c.queues = [
    {
      id: 'sales',
      name: 'Sales',
      strategy: 'longest-idle',
      priority: 0,
      maxWaitSeconds: 120,
      maxLength: 0,
      serviceLevelSeconds: 20,
      ringTimeoutSeconds: 8,
      announcements: { music: 'hold-music', positionEverySeconds: 0, estimatedWait: false },
      escalation: [],
      overflow: {},
      requirement: { allOf: [{ skill: 'sales', min: 1 }], anyOf: [] },
    },
  ];
  c.acd = { ...c.acd, defaultWrapUpSeconds: 1, hotlineMenu: {}, hotlineDefaultQueue: 'sales' };
  c.trunk = { uri: `sip:127.0.0.1:${trunkPort}`, match: '^\\+?[0-9]{5,15}$' };
  c.dialer = { ...c.dialer, safeHarborSeconds: o.safeHarborSeconds, ringTimeoutSeconds: 15 };
}

/** sipp against the test server's SIP port, each run with a free media port of its own. */
export function sippAgainst(t: TestServer): (o: Omit<SippOptions, 'target'>) => Promise<SippRun> {
  return async (o) => runSipp({ target: `127.0.0.1:${t.sipPort}`, ...o, extra: ['-mp', String(await freePort()), ...(o.extra ?? [])] });
}

/** A sipp run that must have exited 0 (its errors printed when not). */
export function expectSippOk(run: SippRun, who: string): void {
  if (run.code !== 0) console.error(who, run.errors || run.stderr || run.stdout);
  expect(run.code, `${who} sipp exit code`).toBe(0);
}

/** The CTI API with the admin key, through inject(). */
export function adminApi(t: TestServer) {
  return async (method: 'GET' | 'POST', url: string, payload?: string | object, headers: Record<string, string> = {}) =>
    t.server.http.inject({ method, url, headers: { authorization: `Bearer ${await t.token('admin')}`, ...headers }, ...(payload === undefined ? {} : { payload }) });
}

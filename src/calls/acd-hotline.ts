/**
 * The hotline with the ACD, until the IVR (issue 6) takes over: the welcome
 * prompt, one digit choosing a queue (acd.hotlineMenu; none or an unmapped
 * digit: the default queue), then the queue verb.
 */
import type { Call } from './call.js';
import { playAndCollect } from './hotline.js';
import type { QueueCalls } from './queue-call.js';

export interface AcdHotlineDeps {
  prompt(name: string): string;
  digitTimeoutMs: number;
  menu: Readonly<Record<string, string>>;
  defaultQueue: string;
  queueCalls: QueueCalls;
}

export async function runAcdHotline(call: Call, deps: AcdHotlineDeps): Promise<void> {
  const digit = await playAndCollect(call, [deps.prompt('welcome')], deps.digitTimeoutMs);
  if (call.isEnded()) return;
  const queue = (digit === undefined ? undefined : deps.menu[digit]) ?? deps.defaultQueue;
  if (digit !== undefined) call.variables.set('menu', digit);
  call.variables.set('queue', queue);
  call.log?.info({ menu: digit ?? 'timeout', queue }, 'hotline digit');
  await deps.queueCalls.run(call, { queue });
}

/**
 * What the hotline number does until the IVR (issue 6) and the ACD (issue 5)
 * take over: play the welcome prompt (a digit stops it), wait for one digit,
 * then ring the first agent with a registered phone and bridge them. With no
 * agent reachable the caller hears an apology and the call ends.
 */
import type { Call } from './call.js';
import type { Leg } from './leg.js';
import { DialError } from './dial.js';

export interface HotlineDeps {
  prompt(name: string): string;
  /** Agent ids in config order. */
  agents: readonly string[];
  hasRegistration(agentId: string): Promise<boolean>;
  dialAgent(call: Call, agentId: string, signal: AbortSignal): Promise<Leg>;
  digitTimeoutMs: number;
}

/** Play files; the first digit (if `digits`) stops the prompt and is returned. */
export async function playAndCollect(call: Call, files: readonly string[], timeoutMs: number): Promise<string | undefined> {
  const ep = call.caller.endpoint;
  if (ep === undefined) return undefined;
  const abort = new AbortController();
  let digit: string | undefined;
  let wake: () => void = () => undefined;
  const got = new Promise<void>((resolve) => (wake = resolve));
  const onDigit = (leg: Leg, d: string): void => {
    if (leg !== call.caller || digit !== undefined) return;
    digit = d;
    abort.abort();
    wake();
  };
  call.on('dtmf', onDigit);
  call.on('ended', wake);
  let timer: NodeJS.Timeout | undefined;
  try {
    await ep.play(files, { signal: abort.signal }).catch(() => 'stopped');
    if (digit === undefined && !call.isEnded()) {
      await Promise.race([got, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    }
  } finally {
    clearTimeout(timer);
    call.off('dtmf', onDigit);
    call.off('ended', wake);
    abort.abort();
  }
  return digit;
}

export async function runHotline(call: Call, deps: HotlineDeps): Promise<void> {
  const digit = await playAndCollect(call, [deps.prompt('welcome')], deps.digitTimeoutMs);
  if (call.isEnded()) return;
  if (digit !== undefined) call.variables.set('menu', digit);
  call.log?.info({ menu: digit ?? 'timeout' }, 'hotline digit');

  let agentId: string | undefined;
  for (const id of deps.agents) {
    if (await deps.hasRegistration(id).catch(() => false)) {
      agentId = id;
      break;
    }
  }
  if (call.isEnded()) return;
  if (agentId === undefined) {
    await call.caller.endpoint?.play([deps.prompt('no-agent')]).catch(() => undefined);
    await call.end('no-agent');
    return;
  }

  await call.caller.endpoint?.play([deps.prompt('connecting')]).catch(() => undefined);
  if (call.state !== 'ivr' || call.caller.endCause !== undefined) return;
  call.transition('offering', 'ring-agent');
  const abort = new AbortController();
  const onEnded = (): void => abort.abort();
  call.once('ended', onEnded);
  call.startRingback();
  try {
    const leg = await deps.dialAgent(call, agentId, abort.signal);
    if (call.isEnded()) {
      await leg.end('hangup-local');
      return;
    }
    call.addLeg(leg);
    call.connect(leg);
  } catch (err) {
    if (call.isEnded()) return;
    call.log?.info({ agentId, cause: err instanceof DialError ? err.reason : 'failed' }, 'agent not reached');
    await call.caller.endpoint?.play([deps.prompt('no-agent')]).catch(() => undefined);
    await call.end('no-agent');
  } finally {
    call.off('ended', onEnded);
  }
}

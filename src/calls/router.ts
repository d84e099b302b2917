/**
 * Where an incoming call goes, by the number dialed (Request-URI user):
 *  - the answer test number (when enabled): answered without media, for sipp and the benchmark;
 *  - an agent id: rung on every phone that agent registered (agent-to-agent call);
 *  - a number of an IVR flow (ivr.numbers): answered by the server, the flow runs (calls/ivr-call.ts);
 *  - the hotline without a flow: answered by the server with media (see calls/hotline.ts);
 *  - anything else: 404.
 */
import type { Logger } from 'pino';
import type { IncomingCall } from '../sip/ua/incoming-call.js';
import { inactiveAnswer } from '../media/sdp-basic.js';
import { connectToAgent, type DirectCallDeps } from './direct-call.js';

export interface CallRouterConfig {
  hotline: string;
  answerNumber?: string;
  agentIds: ReadonlySet<string>;
  publicHost: string;
  /** Number → IVR flow id. */
  flows?: Readonly<Record<string, string>>;
}

export function createCallRouter(
  config: CallRouterConfig,
  deps: DirectCallDeps,
  logger: Logger | undefined,
  hotline: (call: IncomingCall) => void,
  ivr?: (call: IncomingCall, flowId: string, dialed: string) => void,
): (call: IncomingCall) => void {
  return (call) => {
    const dialed = call.dialed;
    if (config.answerNumber !== undefined && dialed === config.answerNumber) {
      call.answer(inactiveAnswer(call.remoteSdp, config.publicHost)).catch(() => undefined);
      return;
    }
    if (dialed !== undefined && config.agentIds.has(dialed)) {
      connectToAgent(deps, call, dialed).catch((err: unknown) => {
        logger?.error({ err, callId: call.request.callId }, 'agent call failed');
        call.reject(500);
      });
      return;
    }
    const flow = dialed === undefined ? undefined : config.flows?.[dialed];
    if (flow !== undefined && dialed !== undefined && ivr !== undefined) {
      ivr(call, flow, dialed);
      return;
    }
    if (dialed === config.hotline) {
      hotline(call);
      return;
    }
    call.reject(404, 'Not Found');
  };
}

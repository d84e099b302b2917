/**
 * Calls: click-to-dial, answer, hangup, hold/retrieve, transfers,
 * conference, DTMF, variables, recording pause/resume, supervision.
 * (Being written.)
 */
import type { FastifyInstance } from 'fastify';
import type { CtiContext } from '../context.js';

export function callRoutes(_ctx: CtiContext) {
  return (_app: FastifyInstance): void => undefined;
}

/**
 * The agent softphone and supervisor wallboard pages, served by the server.
 * (Being written.)
 */
import type { FastifyInstance } from 'fastify';
import type { CtiContext } from '../cti/context.js';

export function webRoutes(_ctx: CtiContext) {
  return (_app: FastifyInstance): void => undefined;
}

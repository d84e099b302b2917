/**
 * IVR flows over HTTP: what is in service (`GET /v1/ivr/flows`) and a reload
 * (`POST /v1/ivr/reload`). A reload that refuses a flow answers 422
 * IVR_FLOW_INVALID with every problem; the running version stays in service.
 * Unauthenticated until the CTI API's auth (issue 7) guards /v1/*: a reload
 * only re-reads files already on the server.
 */
import type { FastifyInstance } from 'fastify';
import type { FlowRegistry } from '../ivr/registry.js';

export function ivrRoutes(registry: FlowRegistry, numbers: Readonly<Record<string, string>>) {
  return (app: FastifyInstance): void => {
    app.get('/v1/ivr/flows', () => ({ flows: registry.status(), numbers }));
    app.post('/v1/ivr/reload', async (_request, reply) => {
      const report = await registry.reload();
      if (report.failed.length === 0) return report;
      return reply.code(422).send({
        error: { code: 'IVR_FLOW_INVALID', message: `${report.failed.length} flow file(s) refused; their running versions stay in service` },
        ...report,
      });
    });
  };
}

/**
 * IVR flows over HTTP: what is in service (`GET /v1/ivr/flows`) and a reload
 * (`POST /v1/ivr/reload`). A reload that refuses a flow answers 422
 * IVR_FLOW_INVALID with every problem; the running version stays in service.
 * Both need the CTI `admin` scope (flows name queues, numbers and data-dip URLs).
 */
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../cti/auth/hooks.js';
import type { FlowRegistry } from '../ivr/registry.js';

export function ivrRoutes(registry: FlowRegistry, numbers: Readonly<Record<string, string>>) {
  return (app: FastifyInstance): void => {
    app.get('/v1/ivr/flows', { schema: { tags: ['ivr'], summary: 'Flows in service, their versions and last load errors' } }, (request) => {
      requireScope(request, 'admin');
      return { flows: registry.status(), numbers };
    });
    app.post('/v1/ivr/reload', { schema: { tags: ['ivr'], summary: 'Reload every flow file (a refused file keeps its running version)' } }, async (request, reply) => {
      requireScope(request, 'admin');
      const report = await registry.reload();
      if (report.failed.length === 0) return report;
      return reply.code(422).send({
        error: { code: 'IVR_FLOW_INVALID', message: `${report.failed.length} flow file(s) refused; their running versions stay in service` },
        ...report,
      });
    });
  };
}

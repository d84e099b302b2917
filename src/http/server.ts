import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { MediaTotals } from '../media/port.js';
import { registerErrorHandlers } from './errors.js';
import { requireScope } from '../cti/auth/hooks.js';
import type {} from '@fastify/swagger';

/** Named readiness checks, e.g. `{ redis: true, sip: false }`. */
export type HealthChecks = Record<string, boolean>;

export interface HttpServerDeps {
  logger: Logger;
  health: () => Promise<HealthChecks>;
  /** Largest request body, bytes. */
  bodyLimit?: number;
}

export interface MediaStatsBody {
  /** Open media endpoints. */
  endpoints: number;
  /** Running totals over closed endpoints. */
  totals: MediaTotals;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** process.cpuUsage(): user/system µs since start. */
  cpu: NodeJS.CpuUsage;
}

export interface HealthBody {
  status: 'ok' | 'unavailable';
  checks: HealthChecks;
}

/** The HTTP server: `GET /health` plus coded errors. Later features register their routes as plugins. */
export function buildHttpServer({ logger, health, bodyLimit }: HttpServerDeps): FastifyInstance {
  // Widen to fastify's logger interface so the instance is a plain FastifyInstance that plugins can type against.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({ loggerInstance, ...(bodyLimit === undefined ? {} : { bodyLimit }) });
  registerErrorHandlers(app);

  app.get('/health', async (request, reply) => {
    const checks = await runChecks(health, request.log);
    const ok = Object.values(checks).every(Boolean);
    const body: HealthBody = { status: ok ? 'ok' : 'unavailable', checks };
    return reply.code(ok ? 200 : 503).send(body);
  });
  return app;
}

/** `GET /v1/media/stats` (benchmarks, metrics): admin scope. */
export function mediaStatsRoute(mediaStats: () => { endpoints: number; totals: MediaTotals }) {
  return (app: FastifyInstance): void => {
    app.get<{ Querystring: { gc?: string } }>('/v1/media/stats', { schema: { hide: true } }, (request) => {
      requireScope(request, 'admin');
      // ?gc=1 collects garbage first when node runs with --expose-gc (the benchmark does), so heapUsed is what calls retain
      const gc = (globalThis as { gc?: () => void }).gc;
      if (request.query.gc === '1' && typeof gc === 'function') gc();
      const body: MediaStatsBody = { ...mediaStats(), heapUsed: process.memoryUsage().heapUsed, cpu: process.cpuUsage() };
      return body;
    });
  };
}

/** A check function that throws counts as unhealthy rather than as a 500. */
async function runChecks(health: () => Promise<HealthChecks>, log: FastifyBaseLogger): Promise<HealthChecks> {
  try {
    return await health();
  } catch (err) {
    log.error({ err }, 'health check threw');
    return { health: false };
  }
}

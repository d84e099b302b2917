import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/log.js';
import { buildHttpServer, type HealthChecks } from '../../src/http/server.js';

const logger = createLogger('silent');
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function getHealth(health: () => Promise<HealthChecks>) {
  app = buildHttpServer({ logger, health });
  return app.inject({ method: 'GET', url: '/health' });
}

describe('GET /health', () => {
  it('all checks true → 200 {"status":"ok"} with the checks', async () => {
    const res = await getHealth(() => Promise.resolve({ redis: true, sip: true }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { redis: true, sip: true } });
  });

  it('one check false → 503 {"status":"unavailable"} naming the failed check', async () => {
    const res = await getHealth(() => Promise.resolve({ redis: false, sip: true }));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { redis: false, sip: true } });
  });

  it('the health function throws → 503 unavailable, not 500', async () => {
    const res = await getHealth(() => Promise.reject(new Error('boom')));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable' });
  });
});

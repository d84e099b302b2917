import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/log.js';
import { ApiError } from '../../src/http/errors.js';
import { buildHttpServer } from '../../src/http/server.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = buildHttpServer({ logger: createLogger('silent'), health: () => Promise.resolve({}) });
  app.post('/echo', (request) => ({ got: request.body }));
  app.get('/conflict', () => {
    throw new ApiError('CONFLICT', 'agent 1001 is already logged in');
  });
  app.get('/crash', () => {
    throw new Error('secret internals');
  });
  await app.ready();
});
afterAll(() => app.close());

describe('coded HTTP errors', () => {
  it('unknown route → 404 {"error":{"code":"NOT_FOUND"}}', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('/nope') } });
  });

  it('malformed JSON body → 400 BAD_REQUEST', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('a route throws ApiError(CONFLICT) → 409 with its code and message', async () => {
    const res = await app.inject({ method: 'GET', url: '/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: { code: 'CONFLICT', message: 'agent 1001 is already logged in' } });
  });

  it('a route throws a plain Error → 500 INTERNAL without leaking its message', async () => {
    const res = await app.inject({ method: 'GET', url: '/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
  });
});

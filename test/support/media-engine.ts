/**
 * vitest setup file: projectrtp runs once per process and keeps the event loop
 * alive until shut down, so test servers leave it running (keepMediaEngine)
 * and each test file's process shuts it down here when its tests are done.
 */
import { afterAll } from 'vitest';
import { shutdownEngine } from '../../src/media/projectrtp/engine.js';

afterAll(async () => {
  await shutdownEngine();
});

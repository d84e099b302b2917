/**
 * `npm start`: load the config, start the server, stop gracefully on SIGTERM/SIGINT.
 */
import { loadConfig, ConfigError } from './config/load.js';
import { createLogger } from './log.js';
import { startServer } from './app.js';
import { FlowStartError } from './ivr/registry.js';

function fail(message: string, details: string[]): never {
  process.stderr.write(`${message}\n${details.map((d) => `  - ${d}\n`).join('')}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError)
      fail(`configuration error (${err.code}) in ${err.file}`, err.errors.length > 0 ? err.errors.map((e) => `${e.path}: ${e.message}`) : [err.message]);
    throw err;
  }
  const logger = createLogger(config.log.level);
  // A bug in one call's handler must not drop every other caller: log and carry on.
  process.on('uncaughtException', (err) => logger.error({ err, code: 'UNCAUGHT_EXCEPTION' }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => logger.error({ err, code: 'UNHANDLED_REJECTION' }, 'unhandled rejection'));

  let server;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    if (err instanceof FlowStartError) fail(`IVR flow error (${err.code})`, err.problems.map((p) => `${p.file} ${p.path}: ${p.message}`));
    logger.fatal({ err, code: 'START_FAILED' }, 'could not start');
    process.exit(1);
  }
  const running = server;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutdown requested');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();

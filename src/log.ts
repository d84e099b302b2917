import { pino, type DestinationStream, type LevelWithSilent, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Added to every line as `name`. */
  name?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to capture lines. */
  destination?: DestinationStream;
}

/** A pino logger writing one JSON object per line (stdout unless told otherwise). */
export function createLogger(level: LevelWithSilent, options: LoggerOptions = {}): Logger {
  const pinoOptions = { level, ...(options.name === undefined ? {} : { name: options.name }) };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

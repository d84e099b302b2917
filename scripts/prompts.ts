/**
 * Generates the configured prompt WAVs that are missing (see src/media/prompts.ts).
 *   node dist/scripts/prompts.js [--config <file>]     (default: env CONFIG, then config/example.yaml)
 * Prints one line per generated prompt, nothing when all are in place; exits 1 if any failed.
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { ensurePrompts, promptPath } from '../src/media/prompts.js';
import { withQueuePrompts } from '../src/acd/prompts.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } }, allowPositionals: false });
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const dir = resolve(config.prompts.dir ?? join(config.dataDir, 'prompts'));

  const result = await ensurePrompts({ dir, voice: config.prompts.voice, texts: withQueuePrompts(config.prompts.texts) });
  const shown = (name: string): string => {
    const file = promptPath(dir, name);
    const rel = relative(process.cwd(), file);
    return rel.startsWith('..') ? file : rel;
  };
  for (const name of result.generated) process.stdout.write(`prompts: generated ${shown(name)}\n`);
  for (const { name, error } of result.failed) process.stderr.write(`prompts: ${name} failed: ${error}\n`);
  return result.failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`prompts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

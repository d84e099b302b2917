#!/usr/bin/env node
/**
 * `hotline` command line.
 *
 *   hotline ivr simulate <flow-file> [--digits 2,1234#] [--at 2026-12-24T20:00+08:00]
 *                        [--var name=value]… [--caller +15550100] [--dialed 100]
 *                        [--http '{"found":true}' | @answer.json | timeout | status:500 | garbage] [--http node=…]…
 *                        [--queue connected|abandoned|overflowed|failed|key:9] [--transfer ok|fail]
 *                        [--config config/example.yaml] [--json]
 *   hotline ivr validate [flow files or dirs…] [--config …] [--render]
 *   hotline staffing …   Erlang C/A agents needed (src/reports/staffing/cli.ts; --from-history reads the reports)
 *
 * simulate walks a flow with the given digits (one comma-separated group per
 * input: an empty group is silence), time and data-dip answers, and prints the
 * path, the prompts and the variables. validate lists every problem of each
 * flow (exit 1 when any); --render also renders its texts and checks its files.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { flowFiles, loadFlowFile, type LoaderOptions } from './ivr/loader.js';
import { formatReport, simulate } from './ivr/simulate.js';
import { mapAnswer, type DipRequest, type DipResult } from './ivr/http-dip.js';
import type { QueueOutcome } from './ivr/types.js';
import { staffingCommand } from './reports/staffing/cli.js';
import { openHistory } from './reports/history-source.js';

const USAGE = `usage:
  hotline ivr simulate <flow-file> [--digits 2,1234#] [--at ISO-time] [--var k=v]… [--caller N] [--dialed N]
                       [--http JSON|@file|timeout|status:N|garbage] [--http node=…]… [--queue connected|abandoned|overflowed|failed|key:D]
                       [--transfer ok|fail] [--config file] [--json]
  hotline ivr validate [files or dirs…] [--config file] [--render]
  hotline staffing --calls N --aht S --sl-seconds T --target 0.8 [… | --from-history --queue ID] (hotline staffing --help)`;

function die(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function mainConfig(file: string | undefined): Config | undefined {
  try {
    return loadConfig(file === undefined ? {} : { file });
  } catch (err) {
    if (file !== undefined) die(`config ${file}: ${err instanceof Error ? err.message : String(err)}`);
    process.stderr.write('note: no main config loaded, so queue names are not checked\n');
    return undefined;
  }
}

function loaderOptions(config: Config | undefined, render: boolean): LoaderOptions {
  const promptsDir = config?.prompts.dir ?? join(config?.dataDir ?? './data', 'prompts');
  const queues = config === undefined ? undefined : new Set(config.queues.map((q) => q.id));
  return {
    promptsDir,
    cacheDir: config?.ivr.cacheDir ?? join(promptsDir, 'cache'),
    defaultVoice: config?.prompts.voice ?? 'en-us',
    queueExists: (id) => (queues === undefined ? undefined : queues.has(id)),
    render,
  };
}

/** A scripted data-dip answer. */
function dipAnswer(spec: string, req: DipRequest): DipResult {
  if (spec === 'timeout') return { ok: false, code: 'DIP_TIMEOUT', message: 'simulated timeout', ms: req.timeoutMs };
  if (spec === 'garbage') return { ok: false, code: 'DIP_NOT_JSON', message: 'simulated garbage answer', status: 200, ms: 1 };
  const status = /^status:(\d{3})$/.exec(spec);
  if (status) return { ok: false, code: 'DIP_HTTP_STATUS', message: `simulated HTTP ${status[1] ?? ''}`, status: Number(status[1]), ms: 1 };
  const text = spec.startsWith('@') ? readFileSync(spec.slice(1), 'utf8') : spec;
  try {
    return mapAnswer(JSON.parse(text) as unknown, req.map);
  } catch {
    return { ok: false, code: 'DIP_NOT_JSON', message: 'the scripted answer is not JSON', status: 200, ms: 1 };
  }
}

function queueOutcome(spec: string | undefined): QueueOutcome {
  if (spec === undefined || spec === 'connected') return { result: 'connected' };
  if (spec === 'abandoned' || spec === 'overflowed' || spec === 'failed') return { result: spec };
  const key = /^key:([0-9*#])$/.exec(spec);
  if (key?.[1] !== undefined) return { result: 'key', key: key[1] };
  die(`--queue: expected connected, abandoned, overflowed, failed or key:D (got ${spec})`);
}

async function simulateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      digits: { type: 'string', default: '' },
      at: { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
      caller: { type: 'string' },
      dialed: { type: 'string' },
      http: { type: 'string', multiple: true, default: [] },
      queue: { type: 'string' },
      transfer: { type: 'string', default: 'ok' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (file === undefined) die(USAGE);
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime())) die(`--at: not a time: ${values.at ?? ''} (e.g. 2026-12-24T20:00+08:00)`);
  const variables: Record<string, string> = {};
  for (const kv of values.var) {
    const i = kv.indexOf('=');
    if (i <= 0) die(`--var: expected name=value (got ${kv})`);
    variables[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const byNode = new Map<string, string>();
  let anyDip: string | undefined;
  for (const spec of values.http) {
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/s.exec(spec);
    if (m?.[1] !== undefined && m[2] !== undefined && !spec.trimStart().startsWith('{')) byNode.set(m[1], m[2]);
    else anyDip = spec;
  }
  const config = mainConfig(values.config);
  const loaded = await loadFlowFile(file, loaderOptions(config, false));
  if (!loaded.ok) die(`${file}: flow refused\n${loaded.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, 1);
  const queueResult = queueOutcome(values.queue);
  const report = await simulate({
    flow: loaded.flow,
    digits: values.digits === '' ? [] : values.digits.split(','),
    at,
    variables,
    ...(values.caller === undefined ? {} : { caller: values.caller }),
    ...(values.dialed === undefined ? {} : { dialed: values.dialed }),
    http: (req, node) => {
      const spec = byNode.get(node) ?? anyDip;
      return spec === undefined ? { ok: false, code: 'DIP_NETWORK', message: 'no answer given (--http)', ms: 0 } : dipAnswer(spec, req);
    },
    queue: () => queueResult,
    transfer: () => values.transfer === 'ok',
    ...(config === undefined ? {} : { queues: new Set(config.queues.map((q) => q.id)) }),
  });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
}

async function validateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string' }, render: { type: 'boolean', default: false } },
  });
  const config = mainConfig(values.config);
  const targets = positionals.length > 0 ? positionals : [config?.ivr.dir ?? 'config/flows'];
  const files: string[] = [];
  for (const t of targets) {
    try {
      if (statSync(t).isDirectory()) files.push(...(await flowFiles(t)));
      else files.push(t);
    } catch {
      die(`${t}: no such file or directory`);
    }
  }
  let bad = 0;
  for (const f of files) {
    const r = await loadFlowFile(f, loaderOptions(config, values.render));
    if (r.ok) {
      process.stdout.write(`ok      ${f}  (${r.flow.id} v${r.flow.version}, ${r.flow.nodes.size} nodes)\n`);
      continue;
    }
    bad++;
    process.stdout.write(`refused ${f}\n${r.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}\n`);
  }
  if (bad > 0) process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [area, command, ...rest] = argv;
  if (area === 'ivr' && command === 'simulate') return simulateCommand(rest);
  if (area === 'ivr' && command === 'validate') return validateCommand(rest);
  if (area === 'staffing') {
    const io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) };
    process.exitCode = await staffingCommand(argv.slice(1), io, { history: openHistory });
    return;
  }
  die(USAGE);
}

main(process.argv.slice(2)).catch((err: unknown) => die(err instanceof Error ? err.message : String(err)));

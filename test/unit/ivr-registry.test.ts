/**
 * The registry of flows in service: reloads keep the running version when a
 * file breaks, calls keep the compiled flow they started on, removed files,
 * duplicate ids, the directory watch and the start-up check.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CompiledFlow } from '../../src/ivr/flow.js';
import { FlowRegistry, FlowStartError, loadFlowsAtStart, type ReloadReport } from '../../src/ivr/registry.js';
import { simulate } from '../../src/ivr/simulate.js';

/** A valid flow: a greeting prompt, then hang up. */
function flowText(id: string, version: number, greeting = 'hello'): string {
  return [`id: ${id}`, `version: ${version}`, 'start: a', 'nodes:', `  a: { type: play, prompt: ${greeting}, next: b }`, '  b: { type: hangup }', ''].join('\n');
}
/** Schema-valid YAML with one problem: /nodes/a/next names no node. */
function brokenText(id: string, version: number): string {
  return [`id: ${id}`, `version: ${version}`, 'start: a', 'nodes:', '  a: { type: play, prompt: hi, next: nowhere }', ''].join('\n');
}

describe('FlowRegistry', () => {
  let dir: string;
  let referenced: Set<string>;
  let registry: FlowRegistry;

  const make = (over: { referenced?: () => ReadonlySet<string> } = {}): FlowRegistry =>
    new FlowRegistry(dir, {
      promptsDir: join(dir, 'prompts'),
      cacheDir: join(dir, 'cache'),
      defaultVoice: 'en-us',
      queueExists: () => true,
      render: false,
      referenced: over.referenced ?? (() => referenced),
    });
  const write = (name: string, text: string): Promise<void> => writeFile(join(dir, name), text);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ivr-registry-'));
    referenced = new Set();
    registry = make();
  });
  afterEach(async () => {
    registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reload loads every flow file (yaml, yml, json); dotfiles and other extensions are ignored', async () => {
    await write('a.yaml', flowText('alpha', 1));
    await write('b.yml', flowText('beta', 2));
    await write('c.json', JSON.stringify({ id: 'gamma', version: 3, start: 'a', nodes: { a: { type: 'hangup' } } }));
    await write('.hidden.yaml', flowText('hidden', 1));
    await write('notes.txt', 'not a flow');
    const report = await registry.reload();
    expect(report.failed).toEqual([]);
    expect(report.loaded.map((l) => [l.id, l.version, l.changed])).toEqual([
      ['alpha', 1, true],
      ['beta', 2, true],
      ['gamma', 3, true],
    ]);
    expect(registry.get('alpha')?.version).toBe(1);
    expect(registry.get('hidden')).toBeUndefined();
    expect(registry.status().map((s) => s.id)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('a reload with nothing changed keeps the same compiled object (changed: false)', async () => {
    await write('a.yaml', flowText('alpha', 1));
    await registry.reload();
    const before = registry.get('alpha');
    const report = await registry.reload();
    expect(report.loaded).toMatchObject([{ id: 'alpha', changed: false }]);
    expect(registry.get('alpha')).toBe(before);
  });

  it('a file rewritten with an error: the old version stays in service, status shows the error and the serving version, the report lists it', async () => {
    await write('a.yaml', flowText('alpha', 1));
    await registry.reload();
    await write('a.yaml', brokenText('alpha', 2));
    const report = await registry.reload();
    expect(report.loaded).toEqual([]);
    expect(report.failed).toEqual([{ file: join(dir, 'a.yaml'), id: 'alpha', issues: [{ path: '/nodes/a/next', message: expect.stringContaining('no node "nowhere"') }] }]);
    expect(registry.get('alpha')?.version).toBe(1);
    const [status] = registry.status();
    expect(status).toMatchObject({ id: 'alpha', serving: { version: 1, file: join(dir, 'a.yaml') }, error: { file: join(dir, 'a.yaml'), issues: [{ path: '/nodes/a/next' }] } });
  });

  it('a YAML syntax error in a served file: its flow (found by file) keeps serving and shows the error', async () => {
    await write('a.yaml', flowText('alpha', 1));
    await registry.reload();
    await write('a.yaml', 'id: alpha\nversion: 2\nnodes: [\n');
    const report = await registry.reload();
    expect(report.failed).toMatchObject([{ id: 'alpha', issues: [{ path: expect.stringMatching(/^line \d+, column \d+$/) }] }]);
    expect(registry.get('alpha')?.version).toBe(1);
    expect(registry.status()[0]?.error).toBeDefined();
  });

  it('the fixed file replaces it; a CompiledFlow obtained before is unchanged (a call keeps its version)', async () => {
    await write('a.yaml', flowText('alpha', 1, 'old-greeting'));
    await registry.reload();
    const callsFlow = registry.get('alpha') as CompiledFlow;
    await write('a.yaml', brokenText('alpha', 2));
    await registry.reload();
    await write('a.yaml', flowText('alpha', 3, 'new-greeting'));
    const report = await registry.reload();
    expect(report.loaded).toMatchObject([{ id: 'alpha', version: 3, changed: true }]);
    expect(registry.get('alpha')?.version).toBe(3);
    expect(registry.status()[0]).not.toHaveProperty('error');

    expect(registry.get('alpha')).not.toBe(callsFlow);
    expect(callsFlow.version).toBe(1);
    const at = new Date('2026-03-04T10:00:00Z');
    expect((await simulate({ flow: callsFlow, digits: [], at })).prompts).toEqual(['old-greeting']);
    expect((await simulate({ flow: registry.get('alpha')!, digits: [], at })).prompts).toEqual(['new-greeting']);
  });

  it('two files with the same id → the second is refused, the first serves', async () => {
    await write('a.yaml', flowText('same', 1, 'from-a'));
    await write('b.yaml', flowText('same', 7, 'from-b'));
    const report = await registry.reload();
    expect(report.loaded).toMatchObject([{ id: 'same', version: 1, file: join(dir, 'a.yaml') }]);
    expect(report.failed).toEqual([{ file: join(dir, 'b.yaml'), id: 'same', issues: [{ path: '/id', message: expect.stringContaining(`already used by ${join(dir, 'a.yaml')}`) }] }]);
    expect(registry.get('same')?.file).toBe(join(dir, 'a.yaml'));
  });

  it('a removed file whose flow a number routes to stays in service with an error; an unreferenced one is removed', async () => {
    await write('a.yaml', flowText('routed', 1));
    await write('b.yaml', flowText('spare', 1));
    await registry.reload();
    referenced.add('routed');
    await unlink(join(dir, 'a.yaml'));
    await unlink(join(dir, 'b.yaml'));
    const report = await registry.reload();
    expect(report.removed).toEqual(['spare']);
    expect(report.failed).toMatchObject([{ id: 'routed', issues: [{ path: '/', message: expect.stringContaining('is gone, but a number routes to it') }] }]);
    expect(registry.get('routed')?.version).toBe(1);
    expect(registry.get('spare')).toBeUndefined();
    expect(registry.status()).toMatchObject([{ id: 'routed', serving: { version: 1 }, error: { issues: [{ path: '/' }] } }]);
  });

  it('a broken file for a flow that never loaded shows in status; once the file is deleted it is gone from status', async () => {
    await write('n.yaml', brokenText('never', 1));
    await registry.reload();
    expect(registry.status()).toMatchObject([{ id: 'never', error: { issues: [{ path: '/nodes/a/next' }] } }]);
    expect(registry.status()[0]).not.toHaveProperty('serving');
    await unlink(join(dir, 'n.yaml'));
    const report = await registry.reload();
    expect(report.failed).toEqual([]);
    expect(registry.status()).toEqual([]);
  });

  it('a reload requested while one runs resolves with a run that saw the change made meanwhile', async () => {
    await write('a.yaml', flowText('alpha', 1));
    let during: Promise<ReloadReport> | undefined;
    registry = make({
      // called by the running reload after it read the files: the file changes and a reload is asked for
      referenced: () => {
        if (during === undefined) {
          writeFileSync(join(dir, 'a.yaml'), flowText('alpha', 2));
          during = registry.reload();
        }
        return referenced;
      },
    });
    const first = await registry.reload();
    expect(first.loaded).toMatchObject([{ id: 'alpha', version: 1 }]);
    const second = await during!;
    expect(second.loaded).toMatchObject([{ id: 'alpha', version: 2 }]);
    expect(registry.get('alpha')?.version).toBe(2);
  });

  it('a missing flows directory → the report fails on the directory, nothing thrown', async () => {
    registry = new FlowRegistry(join(dir, 'nope'), { promptsDir: dir, cacheDir: dir, defaultVoice: 'en-us', queueExists: () => true, render: false });
    const report = await registry.reload();
    expect(report.failed).toMatchObject([{ file: join(dir, 'nope'), issues: [{ message: expect.stringContaining('cannot read the flows directory') }] }]);
  });

  it('the reloaded event carries the report', async () => {
    await write('a.yaml', flowText('alpha', 1));
    const reports: ReloadReport[] = [];
    registry.on('reloaded', (r) => reports.push(r));
    const r = await registry.reload();
    expect(reports).toEqual([r]);
  });

  it('watch(): a file change is picked up (polled, no fixed sleep)', async () => {
    await write('a.yaml', flowText('alpha', 1));
    await registry.reload();
    registry.watch(20);
    await write('a.yaml', flowText('alpha', 2));
    const deadline = Date.now() + 5000;
    while (registry.get('alpha')?.version !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(registry.get('alpha')?.version).toBe(2);
  });

  describe('loadFlowsAtStart', () => {
    it('every referenced flow valid → the report, nothing thrown', async () => {
      await write('a.yaml', flowText('hotline', 1));
      const report = await loadFlowsAtStart(registry, { '100': 'hotline' }, dir);
      expect(report.loaded).toMatchObject([{ id: 'hotline' }]);
    });

    it('a referenced flow invalid and another absent → FlowStartError listing both problems', async () => {
      await write('a.yaml', brokenText('hotline', 1));
      await write('b.yaml', brokenText('unused', 1));
      const err = await loadFlowsAtStart(registry, { '100': 'hotline', '200': 'sales-line' }, dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FlowStartError);
      const problems = (err as FlowStartError).problems;
      expect(problems).toEqual([
        { file: join(dir, 'a.yaml'), path: '/nodes/a/next', message: expect.stringContaining('no node "nowhere"') },
        { file: dir, path: '/ivr/numbers/200', message: expect.stringContaining('no flow with id "sales-line"') },
      ]);
      expect((err as FlowStartError).code).toBe('IVR_FLOW_INVALID');
      expect((err as FlowStartError).message).toContain('/ivr/numbers/200');
    });

    it('an invalid flow no number routes to does not stop the start', async () => {
      await write('a.yaml', flowText('hotline', 1));
      await write('b.yaml', brokenText('unused', 1));
      const report = await loadFlowsAtStart(registry, { '100': 'hotline' }, dir);
      expect(report.failed).toMatchObject([{ id: 'unused' }]);
    });
  });
});

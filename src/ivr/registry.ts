/**
 * The flows in service, by id, and their reloads. A reload (file change or
 * API call) compiles every file again; a flow that fails keeps its running
 * version in service and reports why. Calls keep the compiled flow they
 * started on, so nothing changes under a caller.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../log.js';
import { TypedEmitter } from '../sip/ua/typed-emitter.js';
import type { FlowIssue } from './compile.js';
import type { CompiledFlow } from './flow.js';
import { flowFiles, loadFlowFile, type LoaderOptions, type LoadResult } from './loader.js';

export interface FlowStatus {
  id: string;
  /** What is in service (absent: nothing yet, the flow never loaded). */
  serving?: { version: number; sha256: string; file: string; loadedAt: string };
  /** The last attempt failed: what was wrong (the serving version stays). */
  error?: { file: string; at: string; issues: FlowIssue[] };
}

export interface ReloadReport {
  loaded: { id: string; version: number; file: string; changed: boolean }[];
  failed: { file: string; id?: string; issues: FlowIssue[] }[];
  removed: string[];
}

export type RegistryEvents = {
  reloaded: [report: ReloadReport];
};

export class FlowRegistry extends TypedEmitter<RegistryEvents> {
  private readonly flows = new Map<string, CompiledFlow>();
  private readonly errors = new Map<string, NonNullable<FlowStatus['error']>>();
  private running: Promise<ReloadReport> | undefined;
  /** The one reload that runs after the current one, shared by every request made meanwhile. */
  private queued: Promise<ReloadReport> | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly opts: LoaderOptions & { logger?: Logger; referenced?: () => ReadonlySet<string> },
  ) {
    super();
  }

  get(id: string): CompiledFlow | undefined {
    return this.flows.get(id);
  }

  status(): FlowStatus[] {
    const ids = new Set([...this.flows.keys(), ...this.errors.keys()]);
    return [...ids].sort().map((id) => {
      const f = this.flows.get(id);
      const e = this.errors.get(id);
      return {
        id,
        ...(f === undefined ? {} : { serving: { version: f.version, sha256: f.sha256, file: f.file, loadedAt: f.loadedAt.toISOString() } }),
        ...(e === undefined ? {} : { error: e }),
      };
    });
  }

  /**
   * Reads every flow file again; one reload at a time. A request during one runs once more after it,
   * and resolves with that run's report (the running one may have read the files before the change).
   */
  reload(): Promise<ReloadReport> {
    if (this.running === undefined) {
      this.running = this.reloadOnce().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.reload();
      });
    return this.queued;
  }

  private async reloadOnce(): Promise<ReloadReport> {
    const log = this.opts.logger;
    const report: ReloadReport = { loaded: [], failed: [], removed: [] };
    let files: string[];
    try {
      files = await flowFiles(this.dir);
    } catch (err) {
      const issue = { path: this.dir, message: `cannot read the flows directory: ${err instanceof Error ? err.message : String(err)}` };
      report.failed.push({ file: this.dir, issues: [issue] });
      log?.error({ code: 'IVR_FLOWS_DIR', dir: this.dir }, issue.message);
      return report;
    }
    const results: LoadResult[] = [];
    for (const file of files) results.push(await loadFlowFile(file, this.opts));
    const now = new Date().toISOString();
    const seen = new Map<string, string>();
    const fileOf = new Map([...this.flows.values()].map((f) => [f.file, f.id]));
    for (const r of results) {
      const id = r.ok ? r.flow.id : (r.id ?? fileOf.get(r.file));
      if (r.ok && seen.has(r.flow.id)) {
        const issues = [{ path: '/id', message: `flow id "${r.flow.id}" is already used by ${seen.get(r.flow.id) ?? ''}` }];
        report.failed.push({ file: r.file, id: r.flow.id, issues });
        continue;
      }
      if (id !== undefined) seen.set(id, r.file);
      if (!r.ok) {
        report.failed.push({ file: r.file, ...(id === undefined ? {} : { id }), issues: r.issues });
        if (id !== undefined) this.errors.set(id, { file: r.file, at: now, issues: r.issues });
        const serving = id === undefined ? undefined : this.flows.get(id);
        log?.error({ code: 'IVR_FLOW_INVALID', file: r.file, flow: id, servingVersion: serving?.version, issues: r.issues }, 'flow refused; the running version stays in service');
        continue;
      }
      const before = this.flows.get(r.flow.id);
      const changed = before?.sha256 !== r.flow.sha256;
      if (changed) this.flows.set(r.flow.id, r.flow);
      this.errors.delete(r.flow.id);
      report.loaded.push({ id: r.flow.id, version: r.flow.version, file: r.file, changed });
      if (changed) log?.info({ flow: r.flow.id, version: r.flow.version, file: r.file, previous: before?.version }, 'flow loaded');
    }
    // flows whose file is gone: dropped, unless a number still routes to them
    const referenced = this.opts.referenced?.() ?? new Set<string>();
    for (const [id, flow] of this.flows) {
      if (seen.has(id)) continue;
      if (referenced.has(id)) {
        const issues = [{ path: '/', message: `the file of flow "${id}" is gone, but a number routes to it: version ${flow.version} stays in service` }];
        this.errors.set(id, { file: flow.file, at: now, issues });
        report.failed.push({ file: flow.file, id, issues });
        log?.error({ code: 'IVR_FLOW_REMOVED', flow: id }, issues[0]?.message ?? '');
        continue;
      }
      this.flows.delete(id);
      this.errors.delete(id);
      report.removed.push(id);
      log?.info({ flow: id }, 'flow removed');
    }
    // the error of a flow that never loaded and whose file is gone (or now names another id)
    for (const id of [...this.errors.keys()]) if (!seen.has(id) && !this.flows.has(id)) this.errors.delete(id);
    this.emit('reloaded', report);
    return report;
  }

  /** Reload when a file in the flows directory changes (debounced: editors write in several steps). */
  watch(debounceMs = 300): void {
    if (this.watcher !== undefined) return;
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload(), debounceMs);
      });
      this.watcher.on('error', (err) => this.opts.logger?.warn({ err, code: 'IVR_WATCH_FAILED' }, 'flows directory not watched any more; reload through the API'));
    } catch (err) {
      this.opts.logger?.warn({ err, code: 'IVR_WATCH_FAILED' }, 'flows directory not watched; reload through the API');
    }
  }

  stop(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** The server cannot start: a number routes to a flow that did not load. Every problem is listed. */
export class FlowStartError extends Error {
  override readonly name = 'FlowStartError';
  readonly code = 'IVR_FLOW_INVALID';
  constructor(readonly problems: { file: string; path: string; message: string }[]) {
    super(`IVR flows refused:\n${problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** First load at start: every flow a number routes to must be in service, or nothing starts. */
export async function loadFlowsAtStart(registry: FlowRegistry, numbers: Readonly<Record<string, string>>, dir: string): Promise<ReloadReport> {
  const report = await registry.reload();
  const problems: { file: string; path: string; message: string }[] = [];
  const wanted = new Set(Object.values(numbers));
  for (const f of report.failed) {
    if (f.id === undefined || wanted.has(f.id) || f.file === dir) for (const i of f.issues) problems.push({ file: f.file, path: i.path, message: i.message });
  }
  for (const [number, id] of Object.entries(numbers)) {
    if (registry.get(id) === undefined && !report.failed.some((f) => f.id === id))
      problems.push({ file: dir, path: `/ivr/numbers/${number}`, message: `no flow with id "${id}" in ${dir}` });
  }
  if (problems.length > 0) throw new FlowStartError(problems);
  return report;
}

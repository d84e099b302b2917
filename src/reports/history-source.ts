/**
 * The staffing forecast's history: the queue report of the configured
 * database (DATABASE_URL / database.url, or the server's embedded PGlite
 * under dataDir — which only one process can open: stop the server first, or
 * point both at PostgreSQL).
 */
import { loadConfig } from '../config/load.js';
import { openDb } from '../store/db.js';
import type { HistorySource } from './staffing/cli.js';
import { ReportService } from './report-service.js';

export async function openHistory(opts: { configFile?: string }): Promise<HistorySource & { close(): Promise<void> }> {
  const config = loadConfig(opts.configFile === undefined ? {} : { file: opts.configFile });
  const db = await openDb({ ...(config.database.url === undefined ? {} : { url: config.database.url }), dataDir: config.dataDir });
  const sl = new Map(config.queues.map((q) => [q.id, q.serviceLevelSeconds]));
  const reports = new ReportService(() => db, {
    timeZone: config.reports.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    shortAbandonMs: config.reports.shortAbandonSeconds * 1000,
    fcrDays: config.reports.fcrDays,
    slMs: (q) => (sl.get(q) ?? 20) * 1000,
    queues: config.queues.map((q) => q.id),
  });
  return { queueIntervals: (q) => reports.queueIntervals(q), close: () => db.close() };
}

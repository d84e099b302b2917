/**
 * The recordings' audit trail, table `recording_audit`: one row per listen or
 * download (written before the first byte is sent) and per retention purge.
 * Rows are only ever inserted.
 */
import { DbError, type Db, type DbTx } from '../store/db.js';

export const AUDIT_ACTIONS = ['listen', 'download', 'purge'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  recordingId: string;
  action: AuditAction;
  /** Who: a token's sub ('agent:1004', 'key:crm') or 'system:retention'. */
  principal: string;
  tenant: string | null;
  /** The bytes served, `first-last/size` (e.g. `0-1023/480044`); null for a purge. */
  byteRange: string | null;
  /** The client's address; null for a purge. */
  remote: string | null;
}

export interface AuditRow extends AuditEntry {
  id: string;
  at: Date;
}

interface DbRow {
  id: string | number;
  recording_id: string;
  at: Date | string;
  action: string;
  principal: string;
  tenant: string | null;
  byte_range: string | null;
  remote: string | null;
}

const INSERT_SQL = `INSERT INTO recording_audit (recording_id, action, principal, tenant, byte_range, remote)
VALUES ($1, $2, $3, $4, $5, $6)`;

/** Inserts one audit row with `q` (the database, or a transaction). Rejects with a `DbError`. */
export async function insertAudit(q: Pick<DbTx, 'query'>, e: AuditEntry): Promise<void> {
  await q.query(INSERT_SQL, [e.recordingId, e.action, e.principal, e.tenant, e.byteRange, e.remote]);
}

export class RecordingAudit {
  constructor(private readonly opts: { db: () => Db | undefined }) {}

  /** Rejects with a `DbError` (DB_UNAVAILABLE while the database is down): the caller must then not serve the audio. */
  async record(e: AuditEntry): Promise<void> {
    await insertAudit(this.requireDb(), e);
  }

  /** A recording's audit rows, newest first (at most `limit`). */
  async list(recordingId: string, limit = 1000): Promise<AuditRow[]> {
    const { rows } = await this.requireDb().query<DbRow>(
      `SELECT id, recording_id, at, action, principal, tenant, byte_range, remote FROM recording_audit
       WHERE recording_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [recordingId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      recordingId: r.recording_id,
      at: r.at instanceof Date ? r.at : new Date(r.at),
      action: r.action as AuditAction, // the table's CHECK allows nothing else
      principal: r.principal,
      tenant: r.tenant,
      byteRange: r.byte_range,
      remote: r.remote,
    }));
  }

  private requireDb(): Db {
    const db = this.opts.db();
    if (db === undefined) throw new DbError('DB_UNAVAILABLE', 'database not available');
    return db;
  }
}

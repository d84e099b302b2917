/**
 * The SQL database: PostgreSQL through a small `pg` pool when a URL is configured,
 * otherwise an embedded PGlite persisted under `<dataDir>/pglite`. `openDb` runs the
 * versioned migrations in `./migrations/NNN_name.sql` before returning.
 *
 * Errors are `DbError`s. A failure with no SQLSTATE (connection refused, reset,
 * timeout, pool/PGlite closed) or with a SQLSTATE class that means "try again later"
 * (08 connection, 40 rollback, 53 resources, 57 operator intervention, 58 system) is
 * `DB_UNAVAILABLE`; anything else the server rejected is `DB_QUERY_FAILED`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from '../log.js';
import { luaScriptCandidates } from './lua.js';

export interface Db {
  /** One statement with `$1…` parameters. Rejects with a `DbError`. */
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /**
   * Runs `fn` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws): all of its
   * statements land or none do. Rejects with a `DbError` (or what `fn` threw, if not a db failure).
   */
  transaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T>;
  /** Idempotent. */
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
}

/** The statements of one transaction. */
export interface DbTx {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * DB_UNAVAILABLE: could not reach / open the database, or a transient server condition;
 * DB_QUERY_FAILED: the server rejected a statement (see `sqlState`);
 * DB_MIGRATION_FAILED: a migration file is malformed or its SQL failed;
 * DB_CONFIG_INVALID: bad options (e.g. a schema name that is not a plain identifier).
 */
export type DbErrorCode = 'DB_UNAVAILABLE' | 'DB_QUERY_FAILED' | 'DB_MIGRATION_FAILED' | 'DB_CONFIG_INVALID';

export class DbError extends Error {
  override readonly name = 'DbError';

  constructor(
    readonly code: DbErrorCode,
    message: string,
    options?: { cause?: unknown; sqlState?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.sqlState = options?.sqlState;
  }

  /** The server's SQLSTATE (e.g. `23505`) when it sent one. */
  readonly sqlState: string | undefined;
}

export interface OpenDbOptions {
  /** `postgres://…`; without it PGlite is used. */
  url?: string;
  /** PGlite keeps its files in `<dataDir>/pglite` (created if missing). */
  dataDir: string;
  /** Idle-connection errors and applied migrations are logged here. */
  logger?: Logger;
  /** Use (and create if missing) this schema instead of `public`; tests isolate themselves with one. */
  schema?: string;
}

const POOL_MAX = 4;
const CONNECT_TIMEOUT_MS = 2000;
/** Client-side limit: a server that accepts and then hangs fails the query instead of hanging the caller. */
const QUERY_TIMEOUT_MS = 5000;
/** First key of the two-key advisory locks taken while creating the schema / migrating. */
const LOCK_NAMESPACE = 'hotline.migrations';
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);

/** Opens the database and applies pending migrations. Rejects with a `DbError`. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/i.test(opts.schema)) {
    throw new DbError('DB_CONFIG_INVALID', `schema must be a plain identifier, got ${JSON.stringify(opts.schema)}`);
  }
  const migrations = loadMigrations();
  const backend = opts.url === undefined ? await openPglite(opts) : openPostgres(opts.url, opts);
  try {
    if (opts.schema !== undefined) await backend.prepareSchema(opts.schema);
    await migrate(backend, migrations, opts.logger);
  } catch (err) {
    await backend.db.close().catch(() => undefined);
    throw err;
  }
  return backend.db;
}

/** `Db.transaction` on a backend: driver errors become `DbError`s, the caller's own errors pass through. */
function transactionOf(backend: () => Backend): Db['transaction'] {
  return async (fn) => {
    let own: unknown;
    try {
      return await backend().transaction(async (tx) => {
        try {
          return await fn({
            query: async <R>(sql: string, params?: unknown[]) => {
              try {
                return await tx.query<R>(sql, params);
              } catch (err) {
                throw toDbError(err, 'query in transaction failed');
              }
            },
          });
        } catch (err) {
          own = err;
          throw err;
        }
      });
    } catch (err) {
      if (err === own) throw err; // the caller's own error, or a DbError from one of its statements
      throw toDbError(err, 'transaction failed');
    }
  };
}

// ---- errors ----

function sqlStateOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Wraps anything thrown by pg / PGlite; `DbError`s pass through. */
export function toDbError(err: unknown, context: string): DbError {
  if (err instanceof DbError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const sqlState = sqlStateOf(err);
  const transient = sqlState === undefined || TRANSIENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2));
  return new DbError(transient ? 'DB_UNAVAILABLE' : 'DB_QUERY_FAILED', `${context}: ${message}`, {
    cause: err,
    ...(sqlState === undefined ? {} : { sqlState }),
  });
}

// ---- backends ----

/** What the migration runner needs: one connection inside one transaction. */
interface TxSession {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several `;`-separated statements, no parameters. */
  exec(sql: string): Promise<void>;
}

interface Backend {
  db: Db;
  prepareSchema(schema: string): Promise<void>;
  /** Runs `fn` inside BEGIN … COMMIT on a single connection (ROLLBACK on throw). */
  transaction<T>(fn: (tx: TxSession) => Promise<T>): Promise<T>;
}

function openPostgres(url: string, opts: OpenDbOptions): Backend {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_MAX,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'hotline',
    // Sent in the startup packet, so every pooled connection gets it before its first query.
    ...(opts.schema === undefined ? {} : { options: `-c search_path=${opts.schema}` }),
  });
  // An idle client whose connection dies emits 'error' on the pool; unhandled, it would crash the process.
  let lastIdleError: string | undefined;
  pool.on('error', (err: Error) => {
    if (err.message === lastIdleError) return;
    lastIdleError = err.message;
    opts.logger?.warn({ err }, 'postgres idle connection error');
  });
  pool.on('connect', () => {
    lastIdleError = undefined;
  });

  let closed: Promise<void> | undefined;
  const db: Db = {
    kind: 'postgres',
    transaction: transactionOf(() => backend),
    async query<R>(sql: string, params?: unknown[]) {
      try {
        const result = await pool.query(sql, params);
        return { rows: result.rows as R[] };
      } catch (err) {
        throw toDbError(err, 'postgres query failed');
      }
    },
    close() {
      closed ??= pool.end().catch((err: unknown) => {
        opts.logger?.warn({ err }, 'postgres pool close failed');
      });
      return closed;
    },
  };

  async function transaction<T>(fn: (tx: TxSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw toDbError(err, 'cannot connect to postgres');
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(sql: string, params?: unknown[]) => ({
          rows: (await client.query(sql, params)).rows as R[],
        }),
        exec: async (sql: string) => {
          await client.query(sql); // no parameters: simple protocol, several statements allowed
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  const backend: Backend = {
    db,
    transaction,
    async prepareSchema(schema) {
      // Two instances creating the same schema at once would race on pg_namespace; serialise them.
      await transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, schema]);
        await tx.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      }).catch((err: unknown) => {
        throw toDbError(err, `cannot create schema ${schema}`);
      });
    },
  };
  return backend;
}

async function openPglite(opts: OpenDbOptions): Promise<Backend> {
  const dir = join(opts.dataDir, 'pglite');
  let lite: import('@electric-sql/pglite').PGlite;
  try {
    mkdirSync(dir, { recursive: true });
    // Loaded lazily: the WASM build is large and unused when PostgreSQL is configured.
    const { PGlite } = await import('@electric-sql/pglite');
    lite = await PGlite.create(dir);
  } catch (err) {
    throw new DbError('DB_UNAVAILABLE', `cannot open PGlite in ${dir}: ${errorMessage(err)}`, { cause: err });
  }

  let closed: Promise<void> | undefined;
  const db: Db = {
    kind: 'pglite',
    transaction: transactionOf(() => backend),
    async query<R>(sql: string, params?: unknown[]) {
      try {
        const result = await lite.query<R>(sql, params);
        return { rows: result.rows };
      } catch (err) {
        throw toDbError(err, 'pglite query failed');
      }
    },
    close() {
      closed ??= lite.close().catch((err: unknown) => {
        opts.logger?.warn({ err }, 'pglite close failed');
      });
      return closed;
    },
  };

  const backend: Backend = {
    db,
    // PGlite is one connection in one process: its transaction() already serialises callers.
    transaction: (fn) =>
      lite.transaction((tx) =>
        fn({
          query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await tx.query<R>(sql, params)).rows }),
          exec: async (sql: string) => {
            await tx.exec(sql);
          },
        }),
      ),
    async prepareSchema(schema) {
      try {
        await lite.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
      } catch (err) {
        throw toDbError(err, `cannot create schema ${schema}`);
      }
    },
  };
  return backend;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---- migrations ----

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Where the .sql files live: beside this module, or under src/ when running from dist/ (tsc does not copy them). */
function migrationsDir(): string {
  const candidates = luaScriptCandidates('migrations/', import.meta.url);
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined) {
    const places = candidates.map((u) => u.pathname).join(', ');
    throw new DbError('DB_MIGRATION_FAILED', `migrations directory not found; looked in ${places}`);
  }
  return fileURLToPath(found);
}

/** `NNN_name.sql` files in version order. Throws on a malformed name or a repeated version. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const match = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/.exec(file);
    if (match === null) throw new DbError('DB_MIGRATION_FAILED', `bad migration file name ${file} (want NNN_name.sql)`);
    const version = Number(match[1]);
    if (version < 1 || migrations.some((m) => m.version === version)) {
      throw new DbError('DB_MIGRATION_FAILED', `migration ${file}: version ${version} is zero or repeated`);
    }
    migrations.push({ version, name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies each pending migration in its own transaction. On PostgreSQL every transaction first takes
 * an advisory lock keyed on the current schema, so instances starting together apply each file once:
 * the loser waits, then sees the version already recorded and skips it.
 */
async function migrate(backend: Backend, migrations: Migration[], logger: Logger | undefined): Promise<void> {
  const isPostgres = backend.db.kind === 'postgres';
  const lockAndRead = async (tx: TxSession): Promise<Set<number>> => {
    if (isPostgres) {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext(current_schema()))', [LOCK_NAMESPACE]);
    }
    await tx.exec(CREATE_MIGRATIONS_TABLE);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    return new Set(rows.map((r) => Number(r.version)));
  };

  const applied = await backend.transaction(lockAndRead).catch((err: unknown) => {
    throw migrationError(err, 'cannot read schema_migrations');
  });
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    const label = `${String(m.version).padStart(3, '0')}_${m.name}`;
    const ran = await backend
      .transaction(async (tx) => {
        if ((await lockAndRead(tx)).has(m.version)) return false; // another instance got there first
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        return true;
      })
      .catch((err: unknown) => {
        throw migrationError(err, `migration ${label} failed`);
      });
    if (ran) logger?.info({ migration: label }, 'database migration applied');
  }
}

/** Connection trouble stays DB_UNAVAILABLE; anything else during a migration is DB_MIGRATION_FAILED. */
function migrationError(err: unknown, context: string): DbError {
  const wrapped = toDbError(err, context);
  if (wrapped.code !== 'DB_QUERY_FAILED') return wrapped;
  return new DbError('DB_MIGRATION_FAILED', wrapped.message, {
    cause: err,
    ...(wrapped.sqlState === undefined ? {} : { sqlState: wrapped.sqlState }),
  });
}

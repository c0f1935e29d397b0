// One SQLite file per installation: WAL (readers never block the import writer),
// foreign keys on, schema migrated on open.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RaceError } from '../../src-shared/errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const inMemory = path === ':memory:';
  if (!inMemory) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new RaceError('BAD_ARGS', `cannot create the folder for the Race database ${path}: ${(e as Error).message}`);
    }
  }
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw new RaceError('BAD_ARGS', `cannot open the Race database ${path}: ${(e as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Telemetry is stored as large blobs (original files, sample chunks): 64 KiB pages write
    // them several times faster than the 4 KiB default. Only takes effect on a new file.
    if (schemaVersion(db) === 0) db.pragma('page_size = 65536');
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
  } catch (e) {
    db.close();
    if (e instanceof RaceError) throw e;
    // e.g. SQLITE_NOTADB: somebody pointed --db at a file that is not a database
    throw new RaceError('BAD_ARGS', `cannot use ${path} as a Race database: ${(e as Error).message}`);
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, path: string): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new RaceError(
      'CONFLICT',
      `${path} was written by a newer Race (schema ${current}; this version knows up to ${SCHEMA_VERSION}). Update Race to open it.`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
          if (broken.length) throw new Error(`migration ${m.version} would break ${broken.length} references, e.g. ${broken[0]!.table} row ${broken[0]!.rowid} → ${broken[0]!.parent}`);
        }
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } finally {
      if (m.rebuildsTables) db.pragma('foreign_keys = ON');
    }
  }
}

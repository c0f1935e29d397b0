// A database as an older Race left it: the migrations up to `version` applied, as
// openDatabase applies them (foreign keys on, off around a table rebuild), and no further —
// for tests that open it with today's code and check what the newer migrations keep.
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src-main/store/migrations.ts';

export function databaseAt(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
    db.exec(m.sql);
    db.pragma('foreign_keys = ON');
    db.pragma(`user_version = ${m.version}`);
  }
  return db;
}

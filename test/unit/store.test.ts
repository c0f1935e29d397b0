import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from '../../src-main/store/database.ts';
import { JOB_SESSION, SCHEMA_VERSION } from '../../src-main/store/migrations.ts';
import { PluginStore } from '../../src-main/store/plugins.ts';
import { SettingsStore } from '../../src-main/store/settings.ts';
import { SessionStore } from '../../src-main/store/sessions.ts';
import { createAppCore } from '../../src-main/app/core.ts';
import { databaseAt } from '../support/db.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();

describe('store', () => {
  it('creates a migrated database file in WAL mode with foreign keys on, creating its folder', () => {
    const db = openDatabase(join(dir, 'nested/folder/race.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('migrates a version-3 database to per-account plugins and attachments without losing a row', () => {
    const path = join(dir, 'v3.db');
    const old = databaseAt(path, 3);
    const manifest = { id: 'p1', name: 'P1', version: '1.0.0', apiVersion: 1, interfaces: ['math'], capabilities: [], meta: { math: { inputs: [{ name: 'RPM' }], outputs: [{ name: 'x', unit: 'rpm' }], params: [] } } };
    old.prepare("INSERT INTO plugins (id, version, manifest, code, hash, installed_at) VALUES ('p1', '1.0.0', ?, 'module.exports={}', 'h1', 'then')").run(JSON.stringify(manifest));
    old.prepare("INSERT INTO attachments (id, sha256, file_name, format, size, bytes, account_id, imported_at) VALUES ('a1', 'abc', 'f.ld', 'motec-ld', 3, x'010203', 'local', 'then')").run();
    old.prepare("INSERT INTO sessions (id, source_format, imported_at, attachment_id) VALUES ('s1', 'motec-ld', 'then', 'a1')").run();
    old.prepare("INSERT INTO jobs (kind, payload, status, run_after, created_at) VALUES ('kpi', '{\"sessionId\":\"s1\"}', 'queued', 0, 'then')").run();
    old.close();

    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    // dropping the old attachments table did not cascade into the session that references it
    expect(db.prepare('SELECT attachment_id FROM sessions').all()).toEqual([{ attachment_id: 'a1' }]);
    expect(db.prepare('SELECT account_id FROM jobs').all()).toEqual([{ account_id: 'local' }]);
    expect(new PluginStore(db).get('p1')).toMatchObject({ accountId: 'local', hash: 'h1' });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // the same bytes may now belong to two accounts, but not twice to one
    db.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('b', 'B', 'now')").run();
    db.prepare("INSERT INTO attachments (id, sha256, file_name, format, size, bytes, account_id, imported_at) VALUES ('a2', 'abc', 'f.ld', 'motec-ld', 3, x'01', 'b', 'now')").run();
    expect(() => db.prepare("INSERT INTO attachments (id, sha256, file_name, format, size, bytes, account_id, imported_at) VALUES ('a3', 'abc', 'f.ld', 'motec-ld', 3, x'01', 'b', 'now')").run()).toThrow(/UNIQUE/);
    db.close();
  });

  it('migrates channels to schema 7 (float32 encoding, session checked at commit) with every row, id and chunk kept', () => {
    const path = join(dir, 'v6.db');
    const old = databaseAt(path, 6);
    old.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('s1', 'motec-ld', 'then')").run();
    old.prepare("INSERT INTO channels (id, session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, min, max, encoding, scaling) VALUES (7, 's1', 'RPM', 'RPM', 'rpm', 20, 0, 3, 0, 1, 3, 'i16', '{\"mul\":1,\"scale\":1,\"dec\":0,\"shift\":0}')").run();
    old.prepare("INSERT INTO channels (id, session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, min, max) VALUES (9, 's1', 'Speed', 'Speed', 'km/h', 10, 0.5, 1, 0, 2.5, 2.5)").run();
    old.prepare("INSERT INTO channel_chunks (channel_id, chunk, samples) VALUES (7, 0, x'010002000300'), (9, 0, x'0000000000000440')").run();
    // a version-6 channel cannot say f32
    expect(() => old.prepare("INSERT INTO channels (session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, encoding, scaling) VALUES ('s1', 'F', 'F', '', 1, 0, 0, 0, 'f32', '{}')").run()).toThrow(/CHECK/);
    old.close();

    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    // dropping the old channels table did not cascade into the chunks
    expect(db.prepare('SELECT id, name, encoding, scaling IS NOT NULL AS scaled FROM channels ORDER BY id').all()).toEqual([
      { id: 7, name: 'RPM', encoding: 'i16', scaled: 1 },
      { id: 9, name: 'Speed', encoding: 'f64', scaled: 0 },
    ]);
    expect(db.prepare('SELECT channel_id, hex(samples) AS hex FROM channel_chunks ORDER BY channel_id').all()).toEqual([
      { channel_id: 7, hex: '010002000300' },
      { channel_id: 9, hex: '0000000000000440' },
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // f32 is accepted; a channel's session may come later in its transaction, but must exist at commit
    const add = db.prepare("INSERT INTO channels (session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, encoding, scaling) VALUES (?, ?, ?, '', 1, 0, 0, 0, 'f32', '{}')");
    db.transaction(() => {
      add.run('s2', 'F', 'F');
      db.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('s2', 'motec-ld', 'now')").run();
    })();
    expect(() => add.run('nowhere', 'G', 'G')).toThrow(/FOREIGN KEY/);
    expect(() => db.transaction(() => add.run('nowhere', 'G', 'G'))()).toThrow(/FOREIGN KEY/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM channels WHERE name = 'G'").get()).toEqual({ n: 0 });
    // cascades still run: a deleted session takes its channels and their chunks
    db.prepare("DELETE FROM sessions WHERE id = 's1'").run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM channel_chunks').get()).toEqual({ n: 0 });
    db.close();
  });

  it("finds a session's jobs through the jobs_session index (schema 8), also in a database migrated from 7", () => {
    const path = join(dir, 'v7.db');
    const old = databaseAt(path, 7);
    const job = old.prepare("INSERT INTO jobs (kind, payload, status, run_after, created_at, account_id) VALUES ('kpi', ?, 'queued', 0, 'then', 'local')");
    for (let i = 0; i < 50; i++) job.run(JSON.stringify({ sessionId: `s${i % 5}`, pluginId: 'p', pluginHash: 'h' }));
    old.close();

    // every query the code prepares for jobs by session (caught as the app prepares them:
    // the queue's, which the routes and handlers ask, and a session's delete) is planned against the index
    const prepared = new Set<string>();
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.add(sql);
      return prepare.call(this, sql);
    } as typeof prepare;
    let app: ReturnType<typeof createAppCore>;
    try {
      app = createAppCore({ dbPath: path });
      app.services.jobs.forSession('s1', 'local');
      app.services.db.prepare("INSERT INTO sessions (id, source_format, imported_at, account_id) VALUES ('s9', 'vbo', 'then', 'local')").run();
      expect(new SessionStore(app.services.db).delete('s9', 'local')).toBe(true);
    } finally {
      Database.prototype.prepare = prepare;
    }
    const bySession = [...prepared].filter((sql) => /\bjobs\b/.test(sql) && /sessionId/.test(sql));
    expect(bySession).toHaveLength(2); // JobQueue.forSession (the routes and handlers ask it) and a session's delete
    const db = app.services.db;
    for (const sql of bySession) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sql.split('?').slice(1).map(() => 'x')) as { detail: string }[]).map((r) => r.detail).join('; ');
      expect(plan, sql).toMatch(/USING INDEX jobs_session/);
      expect(sql).toContain(JOB_SESSION);
    }
    // and the index answers as the scan did
    expect(db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE ${JOB_SESSION} = 's3'`).get()).toEqual({ n: 10 });
    new SessionStore(db).delete('s3', 'local'); // no such session: nothing deleted
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 50 });
    app.close();
  });

  it('keeps settings across reopening', () => {
    const path = join(dir, 'settings.db');
    const a = openDatabase(path);
    new SettingsStore(a).set('runtime.mode', 'online');
    a.close();
    const b = openDatabase(path);
    expect(new SettingsStore(b).get('runtime.mode', 'offline')).toBe('online');
    expect(new SettingsStore(b).get('absent', 42)).toBe(42);
    b.close();
  });

  it('lists sessions newest first, counting timed laps only', () => {
    const db = openDatabase(join(dir, 'sessions.db'));
    const ins = db.prepare('INSERT INTO sessions (id, venue, vehicle, driver, started_at, device, source_format, imported_at) VALUES (?,?,?,?,?,?,?,?)');
    ins.run('s1', 'Spa', 'GT3', 'Ana', '2024-05-01T10:00:00Z', null, 'motec-ld', '2024-05-02T00:00:00Z');
    ins.run('s2', 'Monza', null, null, '2024-06-01T09:00:00Z', null, 'vbo', '2024-06-02T00:00:00Z');
    const lap = db.prepare('INSERT INTO laps (session_id, number, start_s, end_s, time_ms, kind) VALUES (?,?,?,?,?,?)');
    lap.run('s1', 0, 0, 150, 150000, 'out');
    lap.run('s1', 1, 150, 288.5, 138500, 'lap');
    lap.run('s1', 2, 288.5, 425.1, 136600, 'lap');
    lap.run('s1', 3, 425.1, 600, 174900, 'in');
    db.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('other', 'Other', '2024-01-01')").run();
    db.prepare("INSERT INTO sessions (id, source_format, imported_at, account_id) VALUES ('s3', 'vbo', '2025-01-01', 'other')").run();
    const list = new SessionStore(db).list('local');
    // another account's session is not listed
    expect(list.map((s) => s.id)).toEqual(['s2', 's1']);
    expect(new SessionStore(db).list('other').map((s) => s.id)).toEqual(['s3']);
    expect(list[1]).toMatchObject({ venue: 'Spa', lapCount: 2, bestLapMs: 136600, sourceFormat: 'motec-ld' });
    expect(list[0]).toMatchObject({ lapCount: 0, bestLapMs: null });
    // foreign keys: laps go with their session, and cannot point nowhere
    expect(() => lap.run('nope', 1, 0, 1, 1000, 'lap')).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM sessions WHERE id = ?').run('s1');
    expect(db.prepare('SELECT COUNT(*) AS n FROM laps').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a file that is not a database, naming it, and leaves it untouched', () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my setup notes, not a database'.repeat(200));
    expect(() => openDatabase(path)).toThrow(new RegExp(`cannot (use|open) ${path.replace(/[.]/g, '\\.')}.*not a database`));
  });

  it('refuses a database from a newer Race instead of damaging it', () => {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(/written by a newer Race \(schema \d+; this version knows up to \d+\)/);
  });
});

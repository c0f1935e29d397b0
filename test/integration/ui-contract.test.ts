// What the analysis UI adds to the contract, over real HTTP on loopback: uploading a logger
// file as bytes (with its .ldx) through the same importer as a path, its progress as
// Server-Sent Events, deleting a session with everything derived from it, accounts, and
// the online server settings that never hand the token back.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { startHttpServer, type RunningServer } from '../../src-main/http/server.ts';
import { syntheticSession } from '../../src-main/bench/synthetic-session.ts';
import { decodeJson } from '../../src-shared/codec.ts';
import { createRpcClient } from '../../src-shared/rpc-client.ts';
import { EVENTS_PATH } from '../../src-shared/contract/index.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const core = createAppCore({ dbPath: join(dir, 'race.db') });
const token = 'ui-contract-token-0123456789';
let server: RunningServer;
const session = syntheticSession({ laps: 3, rateHz: 20 });

beforeAll(async () => {
  server = await startHttpServer({ dispatch: core.dispatch, events: core.services.events, token });
});
afterAll(async () => {
  await server.close();
  core.close();
});

/** Reads Server-Sent Events from GET /api/events until `until` says stop. */
async function readEvents(headers: Record<string, string>, until: (events: { name: string; data: unknown }[]) => boolean, opened: () => void) {
  const ac = new AbortController();
  const res = await fetch(`${server.url}${EVENTS_PATH}`, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { name: string; data: unknown }[] = [];
  let buffer = '';
  opened();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) events.push({ name, data: decodeJson(data) });
    }
  }
  ac.abort();
  return events;
}

describe('sessions.upload with import.progress events', () => {
  it('imports uploaded bytes with the .ldx beside them and streams the progress of that import', async () => {
    const race = createRpcClient(server.url, { token });
    let upload: Promise<unknown> | undefined;
    const events = await readEvents(
      { authorization: `Bearer ${token}` },
      (es) => es.some((e) => (e.data as { phase: string }).phase === 'done'),
      () => {
        upload = race.sessions.upload({ fileName: 'run.ld', bytes: session.ld, siblings: [{ fileName: 'run.ldx', bytes: session.ldx }], progressId: 'upload-1' });
      },
    );
    const result = (await upload) as { status: string; sessionId: string; laps: { kind: string }[] };
    expect(result.status).toBe('imported');
    // the laps come from the .ldx beacons: the upload carried the sibling file
    expect(result.laps.filter((l) => l.kind === 'lap')).toHaveLength(3);
    const phases = events.map((e) => e.data as { progressId: string; file: string; phase: string; fraction: number });
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(['import.progress']));
    expect(phases.every((p) => p.progressId === 'upload-1' && p.file === 'run.ld')).toBe(true);
    const order = phases.map((p) => p.phase).filter((p, i, a) => a[i - 1] !== p);
    expect(order).toEqual(['parsing', 'storing', 'done']);
    const fractions = phases.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
  });

  it('reports the same bytes again as a duplicate, and a file it cannot read as failed (event too)', async () => {
    const race = createRpcClient(server.url, { token });
    expect(await race.sessions.upload({ fileName: 'again.ld', bytes: session.ld })).toMatchObject({ status: 'duplicate' });
    const seen: string[] = [];
    const off = core.services.events.subscribe((_n, p) => seen.push((p as { phase: string }).phase));
    const bad = await race.sessions.upload({ fileName: 'notes.txt', bytes: new TextEncoder().encode('hello, not a log'), progressId: 'bad' });
    off();
    expect(bad).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/^notes\.txt: not a logger file/) } });
    expect(seen).toEqual(['failed']);
  });

  it('needs the token for the event stream too', async () => {
    const r = await fetch(`${server.url}${EVENTS_PATH}`);
    expect(r.status).toBe(401);
  });
});

describe('sessions.delete', () => {
  it('removes the session with its laps, channels, KPI results, jobs and original file', async () => {
    const race = createRpcClient(server.url, { token });
    const [s] = await race.sessions.list();
    const db = core.services.db;
    const count = (sql: string) => (db.prepare(sql).get(s!.id) as { n: number }).n;
    core.services.jobs.enqueue('kpi', { sessionId: s!.id, pluginId: 'x', pluginHash: 'h' }, { dedupeKey: 'test-job' });
    db.prepare("INSERT INTO kpi_results (session_id, lap_number, plugin_id, plugin_hash, name, value, unit, better, computed_at) VALUES (?, 1, 'x', 'h', 'k', 1, '', 'none', 'now')").run(s!.id);
    // everything the delete must remove is there first
    for (const table of ['laps', 'channels', 'kpi_results']) expect(count(`SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ?`), table).toBeGreaterThan(0);
    expect(count("SELECT COUNT(*) AS n FROM jobs WHERE json_extract(payload, '$.sessionId') = ?")).toBeGreaterThan(0);
    expect(count('SELECT COUNT(*) AS n FROM attachments a JOIN sessions s ON s.attachment_id = a.id WHERE s.id = ?')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM channel_chunks k JOIN channels c ON c.id = k.channel_id WHERE c.session_id = ?')).toBeGreaterThan(0);
    expect(await race.sessions.delete({ sessionId: s!.id })).toEqual({ deleted: true });
    expect(await race.sessions.list()).toEqual([]);
    for (const table of ['laps', 'channels', 'kpi_results']) expect(count(`SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ?`), table).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM jobs WHERE json_extract(payload, '$.sessionId') = ?")).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM attachments').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM channel_chunks').get() as { n: number }).n).toBe(0);
    expect(await race.sessions.delete({ sessionId: s!.id })).toEqual({ deleted: false });
    // the same file can come back in after it was deleted
    expect(await race.sessions.upload({ fileName: 'run.ld', bytes: session.ld })).toMatchObject({ status: 'imported' });
  });
});

describe('accounts and the online server', () => {
  it('lists the local account first and adds others', async () => {
    const race = createRpcClient(server.url, { token });
    const added = await race.accounts.create({ name: '  Second engineer ' });
    // a local account: grants and storage on this machine, no API token minted for it
    expect(core.services.accounts.tokens(added.id)).toEqual([]);
    expect(added.name).toBe('Second engineer');
    expect((await race.accounts.list()).map((a) => a.id)).toEqual(['local', added.id]);
    await expect(race.accounts.create({ name: ' ' })).rejects.toMatchObject({ code: 'BAD_ARGS' });
  });

  it('stores the server URL, keeps the token on this side, and forgets it for another server', async () => {
    const race = createRpcClient(server.url, { token });
    expect(await race.settings.getServer()).toEqual({ url: null, tokenSet: false });
    expect(await race.settings.setServer({ url: 'https://race.example.team', token: 'tok-123' })).toEqual({ url: 'https://race.example.team', tokenSet: true });
    expect(core.services.server.signedIn()).toBe(true);
    expect(core.services.server.client()?.url).toBe('https://race.example.team');
    expect(await race.runtime.getMode()).toMatchObject({ serverUrl: 'https://race.example.team' });
    expect(await race.settings.setServer({ url: 'https://race.example.team' })).toEqual({ url: 'https://race.example.team', tokenSet: true });
    expect(await race.settings.setServer({ url: 'https://other.example' })).toEqual({ url: 'https://other.example', tokenSet: false });
    await race.settings.setServer({ url: 'https://other.example', token: 'tok-2' });
    expect(await race.settings.setServer({ url: 'https://other.example', token: null })).toEqual({ url: 'https://other.example', tokenSet: false });
    await expect(race.settings.setServer({ url: 'ftp://x' })).rejects.toMatchObject({ code: 'BAD_ARGS', message: expect.stringMatching(/url: an http:\/\/ or https:\/\/ URL/) });
  });
});

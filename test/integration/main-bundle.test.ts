// The BUILT main bundle (out/main/index.js, built by `npm test` before vitest runs) loaded
// with a stand-in 'electron': it must register exactly the contract's IPC handlers, open
// one hardened window, and answer calls through the real store.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { methodNames } from '../../src-shared/contract/index.ts';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/csp.ts';
import { ipcChannel } from '../../src-shared/ipc.ts';
import { userDataDir } from '../../src-main/platform/paths.ts';
import { SCHEMA_VERSION } from '../../src-main/store/migrations.ts';
import { createElectronStandIn, createWebContents } from '../support/electron-stand-in.ts';
import { circuitSession, circuitVbo, writeVbo } from '../support/write-vbo-ibt.ts';

const electron = vi.hoisted(() => ({ standIn: undefined as any }));
vi.mock('electron', async () => {
  const { createElectronStandIn } = await import('../support/electron-stand-in.ts');
  electron.standIn = createElectronStandIn();
  return electron.standIn.module;
});

const outDir = join(import.meta.dirname, '../../out');
const rendererIndex = join(outDir, 'renderer/index.html');
let recorded: ReturnType<typeof createElectronStandIn>['recorded'];

/** An IPC event as Electron would build it for a frame of our window. */
function ipcEvent(url: string, { subFrame = false } = {}) {
  const mainFrame = { url };
  return { sender: { mainFrame }, senderFrame: subFrame ? { url } : mainFrame };
}

async function call(channel: string, event: unknown, args: unknown) {
  const handler = recorded.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event, args);
}

beforeAll(async () => {
  expect(existsSync(join(outDir, 'main/index.js')), 'run `npm test` (it builds first) or `npm run build`').toBe(true);
  process.env.RACE_DB = join(mkdtempSync(join(tmpdir(), 'race-main-')), 'race.db');
  // @ts-expect-error the built bundle has no type declarations
  await import('../../out/main/index.js');
  recorded = electron.standIn.recorded;
  electron.standIn.becomeReady();
  await vi.waitFor(() => expect(recorded.windows).toHaveLength(1));
});

describe('built main bundle', () => {
  it('registers exactly one IPC handler per contract method and nothing else', () => {
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual(methodNames.map(ipcChannel).sort());
  });

  it('opens one window with context isolation, sandbox and no Node integration', () => {
    const [win] = recorded.windows;
    const prefs = win!.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toBe(join(outDir, 'preload/index.cjs'));
    expect(existsSync(prefs.preload)).toBe(true);
    expect(win!.loadedFile).toBe(rendererIndex);
  });

  it('keeps its data where the CLI looks by default', () => {
    expect(recorded.paths.get('userData')).toBe(userDataDir());
  });

  it('sends the strict Content-Security-Policy and denies every permission request', () => {
    let headers: any;
    recorded.headersListener!({ responseHeaders: { 'X-Other': ['1'] } }, (r: any) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['X-Other']).toEqual(['1']);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    let granted: boolean | undefined;
    recorded.permissionRequestHandler!({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(recorded.permissionCheckHandler!({}, 'geolocation')).toBe(false);
  });

  it('blocks navigation and new windows in every web contents', () => {
    const contents = createWebContents();
    for (const fn of recorded.appListeners.get('web-contents-created') ?? []) fn({}, contents);
    expect(contents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      contents.emit(event, e, 'https://example.com');
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
  });

  it('answers a contract call from the app window through the real store', async () => {
    const trusted = ipcEvent(pathToFileURL(rendererIndex).href);
    const version = await call('race:app.version', trusted, {});
    expect(version).toMatchObject({ ok: true, value: { app: expect.stringMatching(/^\d+\.\d+\.\d+/), schemaVersion: SCHEMA_VERSION } });
    expect(await call('race:runtime.setMode', trusted, { mode: 'online' })).toEqual({ ok: true, value: { mode: 'online', serverUrl: null, signedIn: false } });
    expect(await call('race:runtime.getMode', trusted, {})).toEqual({ ok: true, value: { mode: 'online', serverUrl: null, signedIn: false } });
    expect(await call('race:sessions.list', trusted, undefined)).toEqual({ ok: true, value: [] });
  });

  it('keeps the server token in main, encrypted with safeStorage, and never hands it to the renderer', async () => {
    const trusted = ipcEvent(pathToFileURL(rendererIndex).href);
    const token = 'race_secret-token-for-the-test';
    const reply = await call('race:settings.setServer', trusted, { url: 'http://127.0.0.1:9/', token });
    expect(reply).toEqual({ ok: true, value: { url: 'http://127.0.0.1:9', tokenSet: true } });
    expect(await call('race:runtime.getMode', trusted, {})).toEqual({ ok: true, value: { mode: 'online', serverUrl: 'http://127.0.0.1:9', signedIn: true } });
    expect(JSON.stringify(await call('race:runtime.getMode', trusted, {}))).not.toContain(token);
    const db = new Database(process.env.RACE_DB!, { readonly: true });
    const rows = db.prepare("SELECT key, value FROM settings WHERE key LIKE 'secret.%'").all() as { key: string; value: string }[];
    db.close();
    expect(rows.map((r) => r.key)).toEqual(['secret.safeStorage.server.token']);
    expect(rows[0]!.value).not.toContain(token);
    expect(Buffer.from(JSON.parse(rows[0]!.value) as string, 'base64').toString()).toMatch(/^enc:/);
    // online with an unreachable server: a clear error, not a hang or a silent local run
    const invoke = (await call('race:plugins.invoke', trusted, { plugin: 'p', interface: 'math', input: {} })) as any;
    expect(invoke.error).toMatchObject({ code: 'NOT_AVAILABLE', message: expect.stringMatching(/cannot reach the Race server at http:\/\/127\.0\.0\.1:9/) });
    expect(await call('race:settings.setServer', trusted, { url: null })).toEqual({ ok: true, value: { url: null, tokenSet: false } });
  });

  it('remembers the window\'s place and size when it closes', () => {
    const [entry] = recorded.windows;
    entry!.window.bounds = { x: 100, y: 50, width: 1300, height: 850 };
    entry!.window.emit('close');
    const db = new Database(process.env.RACE_DB!, { readonly: true });
    const row = db.prepare("SELECT value FROM settings WHERE key = 'window.main'").get() as { value: string };
    db.close();
    expect(JSON.parse(row.value)).toEqual({ x: 100, y: 50, width: 1300, height: 850, maximized: false });
  });

  it('has an application menu: Import… through a file dialog, Open Data Folder, and the runtime switch kept in step', async () => {
    const item = (id: string) => recorded.menu!.template.flatMap((m: any) => m.submenu ?? []).find((i: any) => i.id === id);
    expect(item('import')).toMatchObject({ label: 'Import…', accelerator: 'CmdOrCtrl+O' });
    const file = join(dirname(process.env.RACE_DB!), 'menu.vbo');
    writeFileSync(file, writeVbo(circuitVbo(circuitSession({ laps: 2, lapTimeS: 20 }), { gateOrder: 'long,lat' })));
    const trusted = ipcEvent(pathToFileURL(rendererIndex).href);
    const before = ((await call('race:sessions.list', trusted, {})) as any).value.length;
    recorded.openDialogAnswers.push({ canceled: false, filePaths: [file] });
    item('import').click();
    await vi.waitFor(async () => expect(((await call('race:sessions.list', trusted, {})) as any).value.length).toBe(before + 1));
    // progress reached the window as events
    const sent = recorded.windows[0]!.webContents.sent.filter((m: { channel: string }) => m.channel === 'race-event:import.progress');
    expect(sent.at(-1)!.args[0]).toMatchObject({ file, phase: 'done' });
    // a file that is not a logger file: a clear error box, nothing imported
    const junk = join(dirname(process.env.RACE_DB!), 'notes.txt');
    writeFileSync(junk, 'shopping list\n');
    recorded.openDialogAnswers.push({ canceled: false, filePaths: [junk] });
    item('import').click();
    await vi.waitFor(() => expect(recorded.errorBoxes.at(-1)?.content).toMatch(/notes\.txt: not a logger file/));

    item('open-data-folder').click();
    expect(recorded.openedPaths).toEqual([dirname(process.env.RACE_DB!)]);

    item('mode-auto').click();
    await vi.waitFor(() => expect(item('mode-auto').checked).toBe(true));
    expect(((await call('race:runtime.getMode', trusted, {})) as any).value.mode).toBe('auto');
    await call('race:runtime.setMode', trusted, { mode: 'offline' });
    expect(item('mode-offline').checked).toBe(true);
    expect(item('mode-auto').checked).toBe(false);
  });

  it('rejects malformed arguments with an error naming the method and the field', async () => {
    const trusted = ipcEvent(pathToFileURL(rendererIndex).href);
    const reply = (await call('race:runtime.setMode', trusted, { mode: 'warp' })) as any;
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('BAD_ARGS');
    expect(reply.error.message).toMatch(/^runtime\.setMode: invalid arguments — mode: /);
  });

  it('refuses calls from other pages and from sub-frames', async () => {
    for (const event of [ipcEvent('https://evil.example/'), ipcEvent(pathToFileURL(rendererIndex).href, { subFrame: true })]) {
      const reply = (await call('race:sessions.list', event, {})) as any;
      expect(reply).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('not the Race window') } });
    }
  });
});

// The BUILT preload (out/preload/index.cjs) run the way a sandboxed preload runs: CommonJS,
// with 'electron' as the only module it may require. It must expose exactly the contract
// as window.race, one IPC channel per method, and turn error replies into thrown errors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methodNames } from '../../src-shared/contract/index.ts';
import { ipcChannel, ipcEventChannel } from '../../src-shared/ipc.ts';

const preloadPath = join(import.meta.dirname, '../../out/preload/index.cjs');

function loadPreload(reply: (channel: string, args: unknown) => unknown) {
  const exposed = new Map<string, any>();
  const invocations: { channel: string; args: unknown }[] = [];
  const required: string[] = [];
  const listeners = new Map<string, ((event: unknown, payload: unknown) => void)[]>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invocations.push({ channel, args });
        return reply(channel, args);
      },
      on: (channel: string, fn: (event: unknown, payload: unknown) => void) => listeners.set(channel, [...(listeners.get(channel) ?? []), fn]),
      removeListener: (channel: string, fn: (event: unknown, payload: unknown) => void) => listeners.set(channel, (listeners.get(channel) ?? []).filter((f) => f !== fn)),
    },
  };
  const sandboxedRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', readFileSync(preloadPath, 'utf8'))(sandboxedRequire, module, module.exports);
  return { exposed, invocations, required, listeners };
}

function leafMethods(api: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(api).flatMap(([ns, members]) =>
    Object.entries(members).map(([name, fn]) => {
      expect(typeof fn).toBe('function');
      return `${ns}.${name}`;
    }),
  );
}

describe('built preload', () => {
  it('exists', () => expect(existsSync(preloadPath)).toBe(true));

  it('requires nothing but electron and exposes only window.race', () => {
    const { exposed, required } = loadPreload(() => ({ ok: true, value: null }));
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect([...exposed.keys()]).toEqual(['race']);
  });

  it('exposes exactly the contract, each method on its own channel', async () => {
    const { exposed, invocations } = loadPreload((channel) => ({ ok: true, value: channel }));
    const race = exposed.get('race');
    expect(leafMethods(race).sort()).toEqual([...methodNames].sort());
    for (const method of methodNames) {
      const [ns, name] = method.split('.') as [string, string];
      expect(await race[ns][name]({})).toBe(ipcChannel(method));
    }
    expect(invocations.map((i) => i.channel).sort()).toEqual(methodNames.map(ipcChannel).sort());
  });

  it('passes the argument object through and defaults a missing one to {}', async () => {
    const { exposed, invocations } = loadPreload(() => ({ ok: true, value: { mode: 'auto', serverUrl: null } }));
    const race = exposed.get('race');
    await expect(race.runtime.setMode({ mode: 'auto' })).resolves.toEqual({ mode: 'auto', serverUrl: null });
    await race.sessions.list();
    expect(invocations).toEqual([
      { channel: 'race:runtime.setMode', args: { mode: 'auto' } },
      { channel: 'race:sessions.list', args: {} },
    ]);
  });

  it('throws the error a handler reported, with its code and message', async () => {
    const { exposed } = loadPreload(() => ({ ok: false, error: { code: 'BAD_ARGS', message: 'runtime.setMode: invalid arguments — mode: bad' } }));
    await expect(exposed.get('race').runtime.setMode({ mode: 'x' })).rejects.toMatchObject({
      code: 'BAD_ARGS',
      message: 'runtime.setMode: invalid arguments — mode: bad',
    });
  });

  it('delivers contract events from their IPC channels through race.on, and unsubscribes', () => {
    const { exposed, listeners } = loadPreload(() => ({ ok: true, value: null }));
    const race = exposed.get('race');
    const got: unknown[] = [];
    const off = race.on('import.progress', (p: unknown) => got.push(p));
    const payload = { progressId: 'p1', file: 'a.ld', phase: 'parsing', fraction: 0.5 };
    for (const fn of listeners.get(ipcEventChannel('import.progress')) ?? []) fn({ sender: 'main' }, payload);
    expect(got).toEqual([payload]); // the payload only, never Electron's event object
    off();
    expect(listeners.get(ipcEventChannel('import.progress'))).toEqual([]);
    // only contract events: no listening on arbitrary channels through it
    expect(() => race.on('race:sessions.list', () => {})).toThrow(/unknown event/);
    expect([...listeners.keys()]).toEqual([ipcEventChannel('import.progress')]);
  });
});

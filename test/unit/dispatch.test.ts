// The contract's runtime validation, through the one dispatcher every transport uses.
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildApi, contract, methodNames } from '../../src-shared/contract/index.ts';
import { unwrapEnvelope } from '../../src-shared/errors.ts';
import { createAppCore, createHandlerTable } from '../../src-main/app/core.ts';
import { createDispatch } from '../../src-main/app/dispatch.ts';
import { SCHEMA_VERSION } from '../../src-main/store/migrations.ts';
import { tempDir } from '../support/tmp.ts';

const core = createAppCore({ dbPath: join(tempDir(), 'race.db') });
afterAll(() => core.close());
const cli = { transport: 'cli' } as const;

describe('dispatch', () => {
  it('has exactly one handler per contract method', () => {
    expect(Object.keys(createHandlerTable(core.services)).sort()).toEqual([...methodNames].sort());
    expect(methodNames.length).toBeGreaterThanOrEqual(4);
  });

  it('runs a valid call', async () => {
    expect(await core.dispatch('runtime.setMode', { mode: 'auto' }, cli)).toEqual({ ok: true, value: { mode: 'auto', serverUrl: null, signedIn: false } });
    expect(await core.dispatch('runtime.getMode', {}, cli)).toEqual({ ok: true, value: { mode: 'auto', serverUrl: null, signedIn: false } });
  });

  it('treats a missing argument object as {}', async () => {
    expect(await core.dispatch('sessions.list', undefined, cli)).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['a wrong enum value', 'runtime.setMode', { mode: 'warp' }, /runtime\.setMode: invalid arguments — mode: /],
    ['a missing field', 'runtime.setMode', {}, /runtime\.setMode: invalid arguments — mode: /],
    ['a wrong type', 'runtime.setMode', { mode: 7 }, /mode: .*expected/i],
    ['an unknown field', 'sessions.list', { limit: 5 }, /sessions\.list: invalid arguments — .*limit/],
    ['a non-object', 'app.version', 'hello', /app\.version: invalid arguments — \(arguments\): /],
    ['null', 'runtime.getMode', null, /runtime\.getMode: invalid arguments/],
  ])('rejects %s with BAD_ARGS naming method and field', async (_label, method, args, message) => {
    const reply = await core.dispatch(method, args, cli);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('BAD_ARGS');
    expect(reply.error.message).toMatch(message);
    expect(Array.isArray(reply.error.details)).toBe(true);
  });

  it('rejects an unknown method, including inherited property names', async () => {
    for (const name of ['sessions.drop', 'toString', '__proto__', 'constructor']) {
      const reply = await core.dispatch(name, {}, cli);
      expect(reply).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method ${JSON.stringify(name)}` } });
    }
  });

  it('reports a handler result outside the contract as an internal error, not as data', async () => {
    const handlers = { ...createHandlerTable(core.services), 'runtime.getMode': () => ({ mode: 'sideways' }) as never };
    const logged = vi.fn();
    const reply = await createDispatch(handlers, logged)('runtime.getMode', {}, cli);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('INTERNAL');
      expect(reply.error.message).toMatch(/runtime\.getMode returned a result outside the contract — mode/);
    }
    expect(logged).toHaveBeenCalledOnce();
  });

  it('gives thrown RaceErrors back with their code', async () => {
    const { RaceError } = await import('../../src-shared/errors.ts');
    const handlers = {
      ...createHandlerTable(core.services),
      'sessions.list': () => {
        throw new RaceError('NOT_FOUND', 'no such session');
      },
    };
    expect(await createDispatch(handlers)('sessions.list', {}, cli)).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no such session' } });
  });
});

describe('buildApi', () => {
  it('nests methods by namespace and sends {} when called without arguments', async () => {
    const calls: unknown[] = [];
    const api = buildApi(async (method, args) => {
      calls.push([method, args]);
      return unwrapEnvelope(await core.dispatch(method, args, cli));
    });
    expect(Object.keys(api).sort()).toEqual([...new Set(methodNames.map((m) => m.split('.')[0]))].sort());
    expect((await api.app.version()).schemaVersion).toBe(SCHEMA_VERSION);
    await expect(api.runtime.setMode({ mode: 'nope' as never })).rejects.toMatchObject({ code: 'BAD_ARGS' });
    expect(calls).toEqual([
      ['app.version', {}],
      ['runtime.setMode', { mode: 'nope' }],
    ]);
  });

  it('every method has a summary for help texts', () => {
    for (const m of methodNames) expect(contract[m].summary.length, m).toBeGreaterThan(10);
  });
});

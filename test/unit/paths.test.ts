import { describe, expect, it } from 'vitest';
import { appDataDir, resolveDbPath, userDataDir } from '../../src-main/platform/paths.ts';

describe('data location (same rules as Electron userData)', () => {
  it.each([
    ['linux', {}, '/home/ana/.config/Race'],
    ['linux', { XDG_CONFIG_HOME: '/cfg' }, '/cfg/Race'],
    ['darwin', {}, '/home/ana/Library/Application Support/Race'],
    ['win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana\\AppData\\Roaming/Race'],
  ] as const)('%s %j', (platform, env, expected) => {
    expect(userDataDir(env, platform, '/home/ana').replaceAll('\\', '/')).toBe(expected.replaceAll('\\', '/'));
  });

  it('prefers --db, then RACE_DB, then the app folder', () => {
    expect(resolveDbPath('/x.db', { RACE_DB: '/y.db' })).toBe('/x.db');
    expect(resolveDbPath(undefined, { RACE_DB: '/y.db' })).toBe('/y.db');
    expect(resolveDbPath(undefined, { XDG_CONFIG_HOME: '/cfg' })).toBe(`${appDataDir({ XDG_CONFIG_HOME: '/cfg' })}/Race/race.db`);
  });
});

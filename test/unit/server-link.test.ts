// The desktop's server link: the token is read from the secret store (the OS keychain in the
// app) once per server, not on every plugin call; changing the server or the token reads it again.
import { describe, expect, it } from 'vitest';
import { ServerLink, type Route } from '../../src-main/app/server-link.ts';
import { MemorySecretStore } from '../../src-main/platform/secrets.ts';
import { openDatabase } from '../../src-main/store/database.ts';
import { SettingsStore } from '../../src-main/store/settings.ts';

class CountingSecrets extends MemorySecretStore {
  reads = 0;
  override get(name: string): string | null {
    this.reads++;
    return super.get(name);
  }
}

const clientOf = (r: Route) => (r.where === 'server' ? r.client : null);

describe('ServerLink', () => {
  it('reads the token once per server, and again after the server or the token changes', async () => {
    const secrets = new CountingSecrets();
    const link = new ServerLink(new SettingsStore(openDatabase(':memory:')), secrets);
    link.setMode('online');
    link.configure('http://127.0.0.1:8787/', 'race_first');
    const reads = secrets.reads;
    const first = clientOf(await link.route());
    expect(first).not.toBeNull();
    expect(clientOf(await link.route())).toBe(first);
    expect(secrets.reads - reads).toBe(1);

    link.configure('http://127.0.0.1:8787', 'race_second');
    const second = clientOf(await link.route());
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(secrets.reads - reads).toBe(2);

    // signed out: no client, and Online says what to do
    link.configure('http://127.0.0.1:8787', null);
    await expect(link.route()).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    link.configure(null);
    expect(link.client()).toBeNull();
  });

  it('asks the secret store again after it had no token (a keychain that was locked a moment ago)', async () => {
    const secrets = new CountingSecrets();
    const link = new ServerLink(new SettingsStore(openDatabase(':memory:')), secrets);
    link.setMode('online');
    link.configure('http://127.0.0.1:8787', 'race_token');
    const unlocked = secrets.get.bind(secrets);
    let locked = true;
    secrets.get = (name: string) => (locked ? null : unlocked(name));
    await expect(link.route()).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    locked = false;
    expect(clientOf(await link.route())).not.toBeNull();
  });
});

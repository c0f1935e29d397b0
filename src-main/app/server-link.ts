// The desktop's link to a Race server: its URL (a setting), the API token (in the secret
// store, never handed to the renderer), and the one decision every plugin call makes —
// local QuickJS or the server — from the mode: Offline, Online, or Auto (the server when it
// answers, else local; the answer is remembered for a few seconds so a lap table does not
// probe the network once per cell).
import { RaceError } from '../../src-shared/errors.ts';
import type { RuntimeMode } from '../../src-shared/contract/index.ts';
import { RaceServerClient } from '../plugins/server-client.ts';
import type { SecretStore } from '../platform/secrets.ts';
import type { SettingsStore } from '../store/settings.ts';

export const MODE_KEY = 'runtime.mode';
export const SERVER_URL_KEY = 'runtime.serverUrl';
const TOKEN_SECRET = 'server.token';
const REACHABILITY_TTL_MS = 5000;

export type Route = { where: 'local' } | { where: 'server'; client: RaceServerClient };

export class ServerLink {
  private readonly settings: SettingsStore;
  private readonly secrets: SecretStore;
  private readonly fetchImpl: typeof fetch | undefined;
  private reachability: { url: string; at: number; up: Promise<boolean> } | null = null;
  // The client for the current URL, its token read from the secret store once (decrypting
  // can reach the OS keychain — not something to do on every plugin call). configure()
  // forgets it. No token is not remembered: a keychain that was locked may answer next time.
  private current: { url: string; client: RaceServerClient } | null = null;

  constructor(settings: SettingsStore, secrets: SecretStore, fetchImpl?: typeof fetch) {
    this.settings = settings;
    this.secrets = secrets;
    this.fetchImpl = fetchImpl;
  }

  mode(): RuntimeMode {
    // Offline is the safe default at a track with no signal.
    return this.settings.get<RuntimeMode>(MODE_KEY, 'offline');
  }

  setMode(mode: RuntimeMode): void {
    this.settings.set(MODE_KEY, mode);
  }

  serverUrl(): string | null {
    return this.settings.get<string | null>(SERVER_URL_KEY, null);
  }

  signedIn(): boolean {
    return this.secrets.get(TOKEN_SECRET) !== null;
  }

  /**
   * Sets the server (null forgets it and signs out); token null signs out. A token belongs
   * to the server that issued it: a new URL without a new token signs out.
   */
  configure(url: string | null, token?: string | null): void {
    const previous = this.serverUrl();
    if (url === null) {
      this.settings.set(SERVER_URL_KEY, null);
      this.secrets.delete(TOKEN_SECRET);
    } else {
      new RaceServerClient({ url, token: '' }); // validates the URL
      const normalized = url.replace(/\/+$/, '');
      // The token first: if storing it fails (no keychain), the old server's token must not
      // end up beside the new URL.
      if (token === null) this.secrets.delete(TOKEN_SECRET);
      else if (token !== undefined) this.secrets.set(TOKEN_SECRET, token);
      else if (normalized !== previous) this.secrets.delete(TOKEN_SECRET);
      this.settings.set(SERVER_URL_KEY, normalized);
    }
    this.reachability = null;
    this.current = null;
  }

  client(): RaceServerClient | null {
    const url = this.serverUrl();
    if (!url) return null;
    if (this.current?.url !== url) {
      const token = this.secrets.get(TOKEN_SECRET);
      if (!token) return null;
      this.current = { url, client: new RaceServerClient({ url, token, fetch: this.fetchImpl }) };
    }
    return this.current.client;
  }

  /** Where a plugin call goes now. */
  async route(): Promise<Route> {
    const mode = this.mode();
    if (mode === 'offline') return { where: 'local' };
    const client = this.client();
    if (mode === 'online') {
      if (!client) throw new RaceError('NOT_AVAILABLE', 'online mode needs a Race server: set its URL and sign in under Accounts, or switch to Offline');
      return { where: 'server', client };
    }
    if (!client) return { where: 'local' };
    const now = Date.now();
    if (!this.reachability || this.reachability.url !== client.url || now - this.reachability.at > REACHABILITY_TTL_MS) {
      // one probe shared by the calls that arrive while it runs
      this.reachability = { url: client.url, at: now, up: client.reachable() };
    }
    return (await this.reachability.up) ? { where: 'server', client } : { where: 'local' };
  }
}

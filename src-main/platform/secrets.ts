// Where the app keeps a secret (the server API token). The Electron main process supplies
// one backed by the OS keychain (safeStorage); elsewhere (CLI, server, tests) the default
// keeps it in the local database, which only this user can read. Either way the token stays
// on the Node side: no contract method returns it.
import type { SettingsStore } from '../store/settings.ts';

export interface SecretStore {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  /** Shown to the user: where the secret lives. */
  readonly kind: string;
}

export class SettingsSecretStore implements SecretStore {
  readonly kind = 'local database';
  private readonly settings: SettingsStore;
  constructor(settings: SettingsStore) {
    this.settings = settings;
  }
  get(name: string): string | null {
    return this.settings.get<string | null>(`secret.${name}`, null);
  }
  set(name: string, value: string): void {
    this.settings.set(`secret.${name}`, value);
  }
  delete(name: string): void {
    this.settings.set(`secret.${name}`, null);
  }
}

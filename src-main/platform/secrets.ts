// Where the app keeps a secret (the server API token). The Electron main process supplies
// one backed by the OS keychain (safeStorage); elsewhere (browser mode, tests) the default
// keeps it in memory only. Either way the token stays on the Node side: no contract method
// returns it.

export interface SecretStore {
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/** Outside the desktop app: kept for the life of the process only, never written in plain text. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  get(name: string): string | null {
    return this.values.get(name) ?? null;
  }
  set(name: string, value: string): void {
    this.values.set(name, value);
  }
  delete(name: string): void {
    this.values.delete(name);
  }
}

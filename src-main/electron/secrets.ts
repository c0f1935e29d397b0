// The server token in the desktop app: encrypted with Electron's safeStorage (the OS
// keychain: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) before it is
// written to the local database; decrypted only in the main process, when a call goes online.
import type { SafeStorage } from 'electron';
import { RaceError } from '../../src-shared/errors.ts';
import type { SecretStore } from '../platform/secrets.ts';
import type { SettingsStore } from '../store/settings.ts';

export class SafeStorageSecretStore implements SecretStore {
  private readonly settings: SettingsStore;
  private readonly safe: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>;

  constructor(settings: SettingsStore, safe: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>) {
    this.settings = settings;
    this.safe = safe;
  }

  private key(name: string): string {
    return `secret.safeStorage.${name}`;
  }

  get(name: string): string | null {
    const stored = this.settings.get<string | null>(this.key(name), null);
    if (stored === null) return null;
    try {
      return this.safe.decryptString(Buffer.from(stored, 'base64'));
    } catch {
      // the keychain changed (another user, a reinstalled OS): the user signs in again
      return null;
    }
  }

  set(name: string, value: string): void {
    // Refuse to keep a token in the clear when the OS offers no keychain.
    if (!this.safe.isEncryptionAvailable()) throw new RaceError('NOT_AVAILABLE', 'this system offers no secure storage (OS keychain) for the server token');
    this.settings.set(this.key(name), this.safe.encryptString(value).toString('base64'));
  }

  delete(name: string): void {
    this.settings.set(this.key(name), null);
  }
}

// Where the online-mode sign-in token is kept. The token is the Node side's secret: the
// contract only ever says whether one is set. This default keeps it in memory for the
// life of the process (never written in plain text); the desktop app supplies a store
// backed by Electron's safeStorage so a sign-in survives a restart.
export interface CredentialStore {
  get(): string | null;
  set(token: string | null): void;
}

export function memoryCredentials(): CredentialStore {
  let token: string | null = null;
  return {
    get: () => token,
    set: (t) => {
      token = t;
    },
  };
}

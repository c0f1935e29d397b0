// Electron IPC channel names derive from contract method names: one channel per method,
// so main can register exactly the contract and nothing else.
import type { MethodName } from './contract/index.ts';

export const IPC_PREFIX = 'race:';

export function ipcChannel(method: MethodName): string {
  return IPC_PREFIX + method;
}

// Electron IPC channel names derive from contract method names: one channel per method,
// so main can register exactly the contract and nothing else.
import type { EventName, MethodName } from './contract/index.ts';

export const IPC_PREFIX = 'race:';

export function ipcChannel(method: MethodName): string {
  return IPC_PREFIX + method;
}

/** Events from main to the window: one channel per contract event. */
export const IPC_EVENT_PREFIX = 'race-event:';

export function ipcEventChannel(event: EventName): string {
  return IPC_EVENT_PREFIX + event;
}

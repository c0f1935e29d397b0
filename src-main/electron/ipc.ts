// The contract over Electron IPC: one ipcMain.handle per contract method, nothing else.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { methodNames } from '../../src-shared/contract/index.ts';
import type { Envelope } from '../../src-shared/errors.ts';
import { ipcChannel, ipcEventChannel } from '../../src-shared/ipc.ts';
import type { EventBus } from '../app/events.ts';
import type { Dispatch } from '../app/dispatch.ts';

export function registerContractIpc(
  ipcMain: IpcMain,
  dispatch: Dispatch,
  trusted: (event: IpcMainInvokeEvent) => boolean,
): void {
  for (const method of methodNames) {
    ipcMain.handle(ipcChannel(method), async (event, args: unknown): Promise<Envelope> => {
      if (!trusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${method}: caller is not the Race window` } };
      }
      return dispatch(method, args, { transport: 'ipc' });
    });
  }
}

/** Contract events to the app window (none while it is closed), one channel per event. */
export function forwardEvents(events: EventBus, target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null): () => void {
  return events.subscribe((name, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(ipcEventChannel(name), payload);
  });
}

// The contract over Electron IPC: one ipcMain.handle per contract method, nothing else.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { methodNames } from '../../src-shared/contract/index.ts';
import type { Envelope } from '../../src-shared/errors.ts';
import { ipcChannel } from '../../src-shared/ipc.ts';
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

// Exposes the contract as window.race — generated from the contract's method list, one
// IPC channel per method — and nothing else. Errors come back as RaceErrors.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../src-shared/contract/index.ts';
import { unwrapEnvelope, type Envelope } from '../src-shared/errors.ts';
import { ipcChannel } from '../src-shared/ipc.ts';

contextBridge.exposeInMainWorld(
  'race',
  buildApi(async (method, args) => unwrapEnvelope((await ipcRenderer.invoke(ipcChannel(method), args)) as Envelope)),
);

// Exposes the contract as window.race — generated from the contract's method list, one
// IPC channel per method — plus race.on(event, listener) for the contract's events, and
// nothing else. Errors come back as RaceErrors.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi, isEventName, type Subscribe } from '../src-shared/contract/index.ts';
import { unwrapEnvelope, type Envelope } from '../src-shared/errors.ts';
import { ipcChannel, ipcEventChannel } from '../src-shared/ipc.ts';

const on: Subscribe = (name, listener) => {
  // only contract events: the page cannot listen on arbitrary IPC channels through this
  if (!isEventName(name)) throw new TypeError(`race.on: unknown event ${JSON.stringify(name)}`);
  const channel = ipcEventChannel(name);
  const handler = (_event: unknown, payload: unknown) => listener(payload as never);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
};

contextBridge.exposeInMainWorld('race', {
  ...buildApi(async (method, args) => unwrapEnvelope((await ipcRenderer.invoke(ipcChannel(method), args)) as Envelope)),
  on,
});

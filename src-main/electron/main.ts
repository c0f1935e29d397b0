// The Electron main process. The only module folder that imports 'electron'; everything
// it runs (store, handlers, plugin runtimes) is the same code the CLI and server use.
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAppCore } from '../app/core.ts';
import { resolveDbPath, userDataDir } from '../platform/paths.ts';
import { forwardEvents, registerContractIpc } from './ipc.ts';
import { hardenSession, hardenWebContents, isAppUrl, isTrustedSender, WEB_PREFERENCES } from './security.ts';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const rendererIndex = join(import.meta.dirname, '../renderer/index.html');
const rendererIndexUrl = pathToFileURL(rendererIndex).href;
const isApp = (url: string) => isAppUrl(url, devServerUrl, rendererIndexUrl);

// The CLI and the server default to this same folder, so `race sessions` sees what the app imported.
app.setPath('userData', userDataDir());

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const core = createAppCore({ dbPath: resolveDbPath(undefined) });
  registerContractIpc(ipcMain, core.dispatch, (event) => isTrustedSender(event, isApp));

  let mainWindow: BrowserWindow | null = null;
  forwardEvents(core.services.events, () => mainWindow?.webContents ?? null);
  core.services.jobRunner.start();

  const createMainWindow = (): BrowserWindow => {
    const win = new BrowserWindow({
      width: 1440,
      height: 900,
      minWidth: 960,
      minHeight: 600,
      show: false,
      title: 'Race',
      backgroundColor: '#0b0d10',
      webPreferences: { ...WEB_PREFERENCES, preload: join(import.meta.dirname, '../preload/index.cjs') },
    });
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      mainWindow = null;
    });
    if (devServerUrl) void win.loadURL(devServerUrl);
    else void win.loadFile(rendererIndex);
    return win;
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => core.close());

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    mainWindow = createMainWindow();
  });
}

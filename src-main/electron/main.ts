// The Electron main process. The only module folder that imports 'electron'; everything
// it runs (store, handlers, plugin runtimes) is the same code the CLI and server use.
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createAppCore } from '../app/core.ts';
import { resolveDbPath, userDataDir } from '../platform/paths.ts';
import { forwardEvents, registerContractIpc } from './ipc.ts';
import { installMenu } from './menu.ts';
import { SafeStorageSecretStore } from './secrets.ts';
import { MIN_SIZE, restoreWindowState, saveWindowState } from './window-state.ts';
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
  // The server token is encrypted by the OS keychain and never leaves this process.
  const core = createAppCore({ dbPath: resolveDbPath(undefined), secrets: (settings) => new SafeStorageSecretStore(settings, safeStorage) });
  registerContractIpc(ipcMain, core.dispatch, (event) => isTrustedSender(event, isApp));

  let mainWindow: BrowserWindow | null = null;
  forwardEvents(core.services.events, () => mainWindow?.webContents ?? null);
  core.services.jobRunner.start();

  const createMainWindow = (): BrowserWindow => {
    const { settings } = core.services;
    const state = restoreWindowState(settings, screen.getAllDisplays().map((d) => d.workArea));
    const win = new BrowserWindow({
      ...(state.x !== undefined ? { x: state.x, y: state.y } : {}),
      width: state.width,
      height: state.height,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: 'Race',
      backgroundColor: '#0b0d10',
      webPreferences: { ...WEB_PREFERENCES, preload: join(import.meta.dirname, '../preload/index.cjs') },
    });
    win.once('ready-to-show', () => {
      if (state.maximized) win.maximize();
      win.show();
    });
    // Saved on close: the normal bounds, so un-maximising later restores a sensible size.
    win.on('close', () => saveWindowState(settings, win.getNormalBounds(), win.isMaximized()));
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
    installMenu({ core, window: () => mainWindow, Menu, dialog, shell });
    mainWindow = createMainWindow();
  });
}

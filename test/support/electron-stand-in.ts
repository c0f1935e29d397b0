// A stand-in for the 'electron' module: records what the built main bundle and preload
// do with Electron's API, so their behaviour can be checked without the Electron binary
// (which cannot be downloaded here). Never import the real 'electron' in a test.
type Listener = (...args: any[]) => unknown;

export interface StandInWebContents {
  listeners: Map<string, Listener[]>;
  windowOpenHandler?: (details: { url: string }) => { action: string };
  on(event: string, fn: Listener): StandInWebContents;
  setWindowOpenHandler(fn: (details: { url: string }) => { action: string }): void;
  emit(event: string, ...args: unknown[]): void;
  /** What main sent to the page (contract events). */
  sent: { channel: string; args: unknown[] }[];
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export function createWebContents(): StandInWebContents {
  const listeners = new Map<string, Listener[]>();
  const contents: StandInWebContents = {
    listeners,
    sent: [],
    send(channel, ...args) {
      contents.sent.push({ channel, args });
    },
    isDestroyed: () => false,
    on(event, fn) {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return contents;
    },
    setWindowOpenHandler(fn) {
      contents.windowOpenHandler = fn;
    },
    emit(event, ...args) {
      for (const fn of listeners.get(event) ?? []) fn(...args);
    },
  };
  return contents;
}

export function createElectronStandIn() {
  const recorded = {
    ipcHandlers: new Map<string, Listener>(),
    windows: [] as { options: any; loadedFile?: string; loadedUrl?: string; webContents: StandInWebContents; window: any }[],
    appListeners: new Map<string, Listener[]>(),
    paths: new Map<string, string>(),
    headersListener: undefined as undefined | Listener,
    permissionRequestHandler: undefined as undefined | Listener,
    permissionCheckHandler: undefined as undefined | Listener,
    quitCalled: 0,
    menu: null as null | { template: any[] },
    openDialogAnswers: [] as { canceled: boolean; filePaths: string[] }[],
    errorBoxes: [] as { title: string; content: string }[],
    openedPaths: [] as string[],
  };
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  class BrowserWindow {
    webContents = createWebContents();
    private entry;
    constructor(options: any) {
      this.entry = { options, webContents: this.webContents, window: this } as (typeof recorded.windows)[number];
      this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width, height: options.height };
      recorded.windows.push(this.entry);
    }
    private listeners = new Map<string, Listener[]>();
    bounds = { x: 0, y: 0, width: 0, height: 0 };
    maximized = false;
    once(event: string, fn: Listener) {
      this.on(event, fn);
    }
    on(event: string, fn: Listener) {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    }
    /** Test helper: what Electron would do on this window event. */
    emit(event: string, ...args: unknown[]) {
      for (const fn of this.listeners.get(event) ?? []) fn(...args);
    }
    getNormalBounds() {
      return this.bounds;
    }
    isMaximized() {
      return this.maximized;
    }
    maximize() {
      this.maximized = true;
    }
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    async loadFile(file: string) {
      this.entry.loadedFile = file;
    }
    async loadURL(url: string) {
      this.entry.loadedUrl = url;
    }
  }

  const module = {
    app: {
      whenReady: () => ready,
      on(event: string, fn: Listener) {
        recorded.appListeners.set(event, [...(recorded.appListeners.get(event) ?? []), fn]);
      },
      quit: () => {
        recorded.quitCalled++;
      },
      setPath: (name: string, value: string) => recorded.paths.set(name, value),
      getPath: (name: string) => recorded.paths.get(name) ?? `/stand-in/${name}`,
      requestSingleInstanceLock: () => true,
      getVersion: () => '0.0.0-stand-in',
    },
    BrowserWindow,
    Menu: {
      buildFromTemplate: (template: any[]) => ({ template }),
      setApplicationMenu: (menu: { template: any[] }) => {
        recorded.menu = menu;
      },
    },
    dialog: {
      showOpenDialog: async () => recorded.openDialogAnswers.shift() ?? { canceled: true, filePaths: [] },
      showErrorBox: (title: string, content: string) => recorded.errorBoxes.push({ title, content }),
    },
    shell: {
      openPath: async (path: string) => {
        recorded.openedPaths.push(path);
        return '';
      },
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    // Reversible but not plain: a test can tell an encrypted value from the clear text.
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (text: string) => Buffer.from(`enc:${Buffer.from(text).toString('hex')}`),
      decryptString: (data: Buffer) => Buffer.from(data.toString().replace(/^enc:/, ''), 'hex').toString(),
    },
    ipcMain: {
      handle: (channel: string, fn: Listener) => {
        if (recorded.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
        recorded.ipcHandlers.set(channel, fn);
      },
      removeHandler: (channel: string) => recorded.ipcHandlers.delete(channel),
    },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (fn: Listener) => {
            recorded.headersListener = fn;
          },
        },
        setPermissionRequestHandler: (fn: Listener) => {
          recorded.permissionRequestHandler = fn;
        },
        setPermissionCheckHandler: (fn: Listener) => {
          recorded.permissionCheckHandler = fn;
        },
      },
    },
  };
  return { module, recorded, becomeReady: () => resolveReady() };
}

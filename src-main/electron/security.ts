// The Electron security checklist, in one place: what a window may load, where it may
// navigate, what it may ask for, and which IPC senders are trusted.
import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../src-shared/csp.ts';

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

/** The origin the renderer is loaded from: the dev server in development, else file://. */
export function isAppUrl(url: string, devServerUrl: string | undefined, rendererIndexUrl: string): boolean {
  if (devServerUrl) {
    try {
      return new URL(url).origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return url.split('#')[0] === rendererIndexUrl;
}

export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // Camera, microphone, geolocation, notifications, … : a telemetry viewer needs none.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // The app is a single page: any navigation (a dropped link, a plugin cell that smuggles
  // a URL) is refused. Dropped files are imported by the renderer, not navigated to.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Only the top frame of our own page may call the contract. */
export function isTrustedSender(event: IpcMainInvokeEvent, isApp: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame !== event.sender.mainFrame) return false;
  return isApp(frame.url);
}

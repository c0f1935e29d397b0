// The application menu: Import… (a file dialog, then the same import the Sessions screen
// runs, its progress shown there through 'import.progress' events), Open data folder, and
// the Offline / Online / Auto switch, kept in step with the switch in the window through
// the 'runtime.mode' event.
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { BrowserWindow, Dialog, Menu as MenuType, MenuItemConstructorOptions, Shell } from 'electron';
import type { RuntimeMode } from '../../src-shared/contract/index.ts';
import type { AppCore } from '../app/core.ts';

export interface MenuDeps {
  core: AppCore;
  window: () => BrowserWindow | null;
  Menu: Pick<typeof MenuType, 'buildFromTemplate' | 'setApplicationMenu'>;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showErrorBox'>;
  shell: Pick<Shell, 'openPath'>;
  platform?: NodeJS.Platform;
}

/** The logger files the import dialog offers (the content decides the format; these only filter the list). */
export const LOGGER_FILE_FILTERS = [
  { name: 'Logger files', extensions: ['ld', 'csv', 'vbo', 'log', 'ibt', 'txt'] },
  { name: 'All files', extensions: ['*'] },
];

export async function importFromDialog(deps: MenuDeps): Promise<void> {
  const win = deps.window();
  const options = { title: 'Import logger files', properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[], filters: LOGGER_FILE_FILTERS };
  const choice = win ? await deps.dialog.showOpenDialog(win, options) : await deps.dialog.showOpenDialog(options);
  if (choice.canceled || choice.filePaths.length === 0) return;
  // .ldx beacon files are read beside their .ld; imported on their own they are not sessions
  const paths = choice.filePaths.filter((p) => !/\.ldx$/i.test(p));
  if (paths.length === 0) return;
  const reply = await deps.core.dispatch('sessions.import', { paths, progressId: `menu-${randomUUID()}` }, { transport: 'ipc' });
  if (!reply.ok) deps.dialog.showErrorBox('Import failed', reply.error.message);
  else {
    const failed = (reply.value as { status: string; error?: { message: string } }[]).filter((r) => r.status === 'failed');
    if (failed.length) deps.dialog.showErrorBox('Some files were not imported', failed.map((f) => f.error?.message ?? 'failed').join('\n'));
  }
}

export function menuTemplate(deps: MenuDeps): MenuItemConstructorOptions[] {
  const mode = deps.core.services.server.mode();
  const setMode = (m: RuntimeMode) => () => void deps.core.dispatch('runtime.setMode', { mode: m }, { transport: 'ipc' });
  const mac = (deps.platform ?? process.platform) === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { id: 'import', label: 'Import…', accelerator: 'CmdOrCtrl+O', click: () => void importFromDialog(deps) },
        { id: 'open-data-folder', label: 'Open Data Folder', click: () => void deps.shell.openPath(dirname(deps.core.services.dbPath)) },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Plugins',
      submenu: [
        { id: 'mode-offline', label: 'Offline (this computer)', type: 'radio', checked: mode === 'offline', click: setMode('offline') },
        { id: 'mode-online', label: 'Online (Race server)', type: 'radio', checked: mode === 'online', click: setMode('online') },
        { id: 'mode-auto', label: 'Auto (server when reachable)', type: 'radio', checked: mode === 'auto', click: setMode('auto') },
      ],
    },
    {
      label: '&View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
  ];
}

/** Installs the menu, rebuilt whenever the mode changes so its radio items tell the truth. */
export function installMenu(deps: MenuDeps): () => void {
  const install = () => deps.Menu.setApplicationMenu(deps.Menu.buildFromTemplate(menuTemplate(deps)));
  install();
  return deps.core.services.events.subscribe((name) => {
    if (name === 'runtime.mode') install();
  });
}

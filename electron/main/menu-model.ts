// The application menu as plain data (unit-tested without Electron); index.ts turns it into a Menu.

export type MenuCommand = 'open-folder' | 'open-file' | 'reload' | 'devtools' | 'show-window' | 'quit';

export interface MenuItemModel {
  label: string;
  command?: MenuCommand;
  role?: 'about' | 'copy' | 'paste' | 'cut' | 'selectAll' | 'undo' | 'redo' | 'togglefullscreen' | 'minimize' | 'close';
  accelerator?: string;
  separator?: true;
}

export interface MenuModel {
  label: string;
  items: MenuItemModel[];
}

export function menuModel(opts: { isMac: boolean; isDev: boolean }): MenuModel[] {
  const mod = opts.isMac ? 'Cmd' : 'Ctrl';
  const file: MenuModel = {
    label: 'File',
    items: [
      { label: 'Open Folder…', command: 'open-folder', accelerator: `${mod}+O` },
      { label: 'Open File…', command: 'open-file', accelerator: `${mod}+Shift+O` },
      { label: '', separator: true },
      opts.isMac ? { label: 'Close Window', role: 'close' } : { label: 'Quit', command: 'quit', accelerator: 'Ctrl+Q' },
    ],
  };
  const edit: MenuModel = {
    label: 'Edit',
    items: [
      { label: 'Undo', role: 'undo' },
      { label: 'Redo', role: 'redo' },
      { label: '', separator: true },
      { label: 'Cut', role: 'cut' },
      { label: 'Copy', role: 'copy' },
      { label: 'Paste', role: 'paste' },
      { label: 'Select All', role: 'selectAll' },
    ],
  };
  const view: MenuModel = {
    label: 'View',
    items: [
      { label: 'Reload', command: 'reload', accelerator: `${mod}+R` },
      { label: 'Toggle Full Screen', role: 'togglefullscreen' },
      // DevTools only in development: a user's app does not open a debugger on a keystroke.
      ...(opts.isDev
        ? [{ label: 'Developer Tools', command: 'devtools' as const, accelerator: opts.isMac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I' }]
        : []),
    ],
  };
  const app: MenuModel[] = opts.isMac
    ? [
        {
          label: 'Loupe',
          items: [
            { label: 'About Loupe', role: 'about' },
            { label: 'Quit Loupe', command: 'quit', accelerator: 'Cmd+Q' },
          ],
        },
      ]
    : [];
  return [...app, file, edit, view];
}

/** The tray icon's menu: Loupe keeps watching while its window is hidden or closed, until Quit. */
export function trayMenuModel(): MenuItemModel[] {
  return [
    { label: 'Show Loupe', command: 'show-window' },
    { label: 'Open Folder…', command: 'open-folder' },
    { label: '', separator: true },
    { label: 'Quit Loupe', command: 'quit' },
  ];
}

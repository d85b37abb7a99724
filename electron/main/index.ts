// The desktop shell: windows, menu, dialogs and what else needs Electron; nothing more. The
// engine runs in a utilityProcess (a heavy query or an ingest burst never freezes a window) and
// the window talks to it over a MessagePort, with the same protocol a browser speaks over WebSocket.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  MessageChannelMain,
  nativeImage,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
  utilityProcess,
  type UtilityProcess,
} from 'electron';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAllowedExternalUrl, isAppUrl, isPermissionAllowed, isTrustedSender } from './url-policy.js';
import { DEFAULT_SIZE, restoreWindowState, type WindowState } from './window-state.js';
import { menuModel, trayMenuModel, type MenuCommand, type MenuItemModel } from './menu-model.js';
import {
  alarmBitmap,
  alertRoute,
  buttonMessages,
  firingAlerts,
  notificationOptions,
  ShownNotifications,
  trayAlertEntries,
  trayState,
  type AlertNotify,
  type AlertsFiring,
  type TrayAlertEntry,
} from './alert-notifications.js';
import { keychainSecretsKey } from './secrets-key.js';
import { ENGINE_PORT_CHANNEL, parseHostToMain, PICK_FOLDER_CHANNEL, SECRETS_KEY_ENV, type MainToHost } from '../../shared/host-protocol.js';

const rootDir = join(import.meta.dirname, '..', '..');
const isDev = !app.isPackaged && process.env.ELECTRON_RENDERER_URL !== undefined;
const rendererFile = join(rootDir, 'out', 'renderer', 'index.html');
const appUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(rendererFile).href;
const stateFile = (): string => join(app.getPath('userData'), 'window-state.json');

const iconsDir = join(rootDir, 'resources', 'icons');

let engine: UtilityProcess | null = null;
let mainWindow: BrowserWindow | null = null;
/** Held here: a Tray nobody references is garbage-collected and vanishes from the panel. */
let tray: Tray | null = null;

// A second launch hands over to the first (which shows its window) and exits before doing anything.
if (!app.requestSingleInstanceLock()) app.exit(0);

function startEngine(): UtilityProcess {
  // The secrets' key from the OS keychain, in the engine's environment only (the host takes it out
  // before anything it starts could inherit it).
  const key = keychainSecretsKey(safeStorage, app.getPath('userData'));
  // The engine's bundle (vite.engine.config.ts); its source maps on, so a crash's stack names the TypeScript.
  const child = utilityProcess.fork(join(rootDir, 'out', 'engine', 'host.js'), [app.getPath('userData')], {
    serviceName: 'Loupe engine',
    execArgv: ['--enable-source-maps'],
    ...(key !== null ? { env: { ...process.env, [SECRETS_KEY_ENV]: key } } : {}),
  });
  child.on('message', (data: unknown) => {
    const msg = parseHostToMain(data);
    if (msg?.type === 'warning' || msg?.type === 'error')
      void dialog.showMessageBox({ type: msg.type, title: 'Loupe', message: msg.message });
    if (msg?.type === 'alert-notify') showAlert(msg);
    if (msg?.type === 'alerts-firing') showFiring(msg);
  });
  child.on('exit', (code) => {
    if (code !== 0 && mainWindow) dialog.showErrorBox('Loupe', `The Loupe engine stopped unexpectedly (exit code ${code}).`);
  });
  return child;
}

/** Native notifications shown, by id: a re-notification of a group replaces its last one. */
const shownAlerts = new ShownNotifications<Notification>();

/** Shows the window on a route of the page (`#/alerts?…`). */
function openRoute(route: string | null): void {
  runCommand('show-window');
  if (route && mainWindow) void mainWindow.webContents.executeJavaScript(`location.hash = ${JSON.stringify(route)}`);
}

function showAlert(msg: AlertNotify): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification(notificationOptions(msg, process.platform));
  notification.on('click', () => {
    shownAlerts.forget(msg.id, notification);
    openRoute(alertRoute(msg.alertUrl));
  });
  notification.on('action', (_event, index) => {
    const todo = buttonMessages(msg, index);
    if (todo === 'open') openRoute(alertRoute(msg.alertUrl));
    else if (todo && engine) for (const m of todo) tellEngine(engine, m);
  });
  notification.on('close', () => shownAlerts.forget(msg.id, notification));
  shownAlerts.show(msg.id, notification);
  notification.show();
}

/** The tray's icon, and the same in the alarm colour (made once, when first needed). */
let trayIcons: { normal: Electron.NativeImage; alarm: Electron.NativeImage | null } | null = null;

function alarmIcon(): Electron.NativeImage | null {
  if (!trayIcons) return null;
  if (!trayIcons.alarm) {
    const { width, height } = trayIcons.normal.getSize();
    trayIcons.alarm = nativeImage.createFromBitmap(Buffer.from(alarmBitmap(trayIcons.normal.toBitmap())), { width, height });
  }
  return trayIcons.alarm;
}

/** The firing alerts the tray menu lists (with their actions), between Show and Quit. */
let trayAlerts: TrayAlertEntry[] = [];

function showFiring(msg: AlertsFiring): void {
  const state = trayState(msg);
  tray?.setToolTip(state.tooltip);
  trayAlerts = trayAlertEntries(firingAlerts(msg));
  if (tray) {
    tray.setContextMenu(buildTrayMenu());
    const icon = state.alarm ? alarmIcon() : trayIcons?.normal;
    if (icon) tray.setImage(icon);
  }
  // The badge (macOS dock, Unity launchers); the tray's title beside the icon on macOS.
  app.setBadgeCount(state.badge);
  if (process.platform === 'darwin') tray?.setTitle(state.alarm ? `● ${state.badge}` : '');
}

function tellEngine(child: UtilityProcess, message: MainToHost, transfer: Electron.MessagePortMain[] = []): void {
  child.postMessage(message, transfer);
}

/** Give a window its own MessagePort to the engine (again after every reload). */
function connectWindow(win: BrowserWindow, child: UtilityProcess): void {
  const { port1, port2 } = new MessageChannelMain();
  tellEngine(child, { type: 'renderer-port' }, [port1]);
  win.webContents.postMessage(ENGINE_PORT_CHANNEL, null, [port2]);
}

function loadWindowState(): WindowState | undefined {
  try {
    const saved: unknown = JSON.parse(readFileSync(stateFile(), 'utf8'));
    return restoreWindowState(
      saved,
      screen.getAllDisplays().map((d) => d.workArea),
    );
  } catch {
    return undefined;
  }
}

function saveWindowState(win: BrowserWindow): void {
  const state: WindowState = { ...win.getNormalBounds(), maximized: win.isMaximized() };
  try {
    writeFileSync(stateFile(), JSON.stringify(state));
  } catch {
    // Not worth bothering the user: the window opens at the default place next time.
  }
}

async function createWindow(child: UtilityProcess): Promise<BrowserWindow> {
  const state = loadWindowState();
  const win = new BrowserWindow({
    ...(state ? { x: state.x, y: state.y, width: state.width, height: state.height } : DEFAULT_SIZE),
    minWidth: 640,
    minHeight: 400,
    title: 'Loupe',
    icon: join(iconsDir, 'icon.png'),
    show: false,
    webPreferences: {
      preload: join(rootDir, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  if (state?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () => saveWindowState(win));
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, appUrl)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url, appUrl)) e.preventDefault();
  });
  win.webContents.on('did-finish-load', () => connectWindow(win, child));
  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(rendererFile);
  return win;
}

async function pick(kind: 'folder' | 'file'): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: kind === 'folder' ? 'Open a log folder' : 'Open a log file',
    properties: kind === 'folder' ? ['openDirectory'] : ['openFile'],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

function runCommand(command: MenuCommand): void {
  switch (command) {
    case 'open-folder':
    case 'open-file':
      void pick(command === 'open-folder' ? 'folder' : 'file').then((path) => {
        if (path && engine) tellEngine(engine, { type: 'add-source', path });
      });
      return;
    case 'reload':
      mainWindow?.webContents.reload();
      return;
    case 'devtools':
      if (isDev) mainWindow?.webContents.toggleDevTools();
      return;
    case 'show-window':
      if (mainWindow?.isMinimized()) mainWindow.restore();
      mainWindow?.show();
      mainWindow?.focus();
      return;
    case 'quit':
      app.quit();
  }
}

function menuItems(items: MenuItemModel[]): Electron.MenuItemConstructorOptions[] {
  return items.map((item) =>
    item.separator
      ? { type: 'separator' as const }
      : {
          label: item.label,
          ...(item.role ? { role: item.role } : {}),
          ...(item.accelerator ? { accelerator: item.accelerator } : {}),
          ...(item.command ? { click: () => runCommand(item.command!) } : {}),
        },
  );
}

function buildMenu(): Menu {
  return Menu.buildFromTemplate(
    menuModel({ isMac: process.platform === 'darwin', isDev }).map((m) => ({ label: m.label, submenu: menuItems(m.items) })),
  );
}

function buildTrayMenu(): Menu {
  const [show, ...rest] = menuItems(trayMenuModel());
  const alerts: Electron.MenuItemConstructorOptions[] = trayAlerts.map((entry) => ({
    label: entry.label,
    submenu: entry.actions.map((a) => ({
      label: a.label,
      click: () => {
        if ('open' in a.run) openRoute(a.run.open);
        else if (engine) tellEngine(engine, a.run.send);
      },
    })),
  }));
  return Menu.buildFromTemplate([
    ...(show ? [show] : []),
    ...(alerts.length > 0 ? [{ type: 'separator' as const }, ...alerts, { type: 'separator' as const }] : []),
    ...rest,
  ]);
}

function createTray(): void {
  const normal = nativeImage.createFromPath(join(iconsDir, 'tray.png'));
  try {
    tray = new Tray(normal);
  } catch {
    return; // A desktop without a tray: the window and its menu do everything.
  }
  trayIcons = { normal, alarm: null };
  tray.setToolTip('Loupe');
  tray.setContextMenu(buildTrayMenu());
  // Alerts that fired before the tray existed.
  const alarm = trayAlerts.length > 0 ? alarmIcon() : null;
  if (alarm) tray.setImage(alarm);
  tray.on('click', () => runCommand('show-window'));
}

// The few native calls the renderer may make; each checks who is asking.
ipcMain.handle(PICK_FOLDER_CHANNEL, async (event) => {
  if (!isTrustedSender(event.senderFrame?.url, appUrl)) throw new Error('refused: not the Loupe window');
  return pick('folder');
});

void app.whenReady().then(async () => {
  // Electron grants every permission by default: only notifications, only to the app's own page.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl, appUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    isPermissionAllowed(permission, details.requestingUrl, appUrl),
  );
  Menu.setApplicationMenu(buildMenu());
  engine = startEngine();
  mainWindow = await createWindow(engine);
  createTray();
  app.on('second-instance', () => runCommand('show-window'));
});

app.on('before-quit', () => engine?.kill());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// The desktop shell: windows and what needs Electron, nothing else. The engine runs in a
// utilityProcess (a heavy query or an ingest burst never freezes a window).
import { app, BrowserWindow, shell, utilityProcess } from 'electron';
import { join } from 'node:path';
import { isAllowedExternalUrl, isAppUrl } from './url-policy.js';

const rootDir = join(import.meta.dirname, '..', '..');

if (!app.requestSingleInstanceLock()) app.quit();

async function startEngine(): Promise<{ url: string; token: string }> {
  const host = utilityProcess.fork(join(rootDir, 'out', 'node', 'electron', 'engine', 'host.js'), [
    app.getPath('userData'),
    join(rootDir, 'out', 'renderer'),
  ]);
  app.on('before-quit', () => host.kill());
  return new Promise((resolve) => {
    host.on('message', (msg: { type: string; url: string; token: string }) => {
      if (msg.type === 'ready') resolve({ url: msg.url, token: msg.token });
    });
  });
}

async function createWindow(engineUrl: string, token: string): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Loupe',
    webPreferences: {
      preload: join(import.meta.dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, engineUrl)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, engineUrl)) event.preventDefault();
  });
  await win.loadURL(`${engineUrl}?token=${encodeURIComponent(token)}`);
}

void app.whenReady().then(async () => {
  const { url, token } = await startEngine();
  await createWindow(url, token);
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl, isAppUrl, isPermissionAllowed, isTrustedSender } from '../../../electron/main/url-policy.js';
import { restoreWindowState } from '../../../electron/main/window-state.js';
import { menuModel, trayMenuModel } from '../../../electron/main/menu-model.js';
import { isLoopbackHost } from '../../../electron/engine/api/host-guard.js';

describe('the shell URL policy', () => {
  it('opens only http(s) links externally', () => {
    expect(isAllowedExternalUrl('https://opentelemetry.io/docs')).toBe(true);
    expect(isAllowedExternalUrl('http://localhost:8000/')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) {
      expect(isAllowedExternalUrl(bad)).toBe(false);
    }
  });

  it('keeps navigation on the engine origin', () => {
    expect(isAppUrl('http://127.0.0.1:4320/logs?q=x', 'http://127.0.0.1:4320/')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:9999/', 'http://127.0.0.1:4320/')).toBe(false);
    expect(isAppUrl('https://evil.example/', 'http://127.0.0.1:4320/')).toBe(false);
  });
});

describe('the Host guard', () => {
  it('accepts loopback names only', () => {
    for (const ok of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(ok)).toBe(true);
    for (const bad of ['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.1', '0.0.0.0', '']) {
      expect(isLoopbackHost(bad)).toBe(false);
    }
  });
});

describe('an app loaded from a file', () => {
  const app = 'file:///opt/Loupe/resources/app/out/renderer/index.html';
  it('navigates and answers IPC only for its own page', () => {
    expect(isAppUrl(`${app}#/logs?q=x`, app)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false);
    expect(isTrustedSender(app, app)).toBe(true);
    expect(isTrustedSender('file:///tmp/evil.html', app)).toBe(false);
    expect(isTrustedSender('https://evil.example/', app)).toBe(false);
    expect(isTrustedSender(undefined, app)).toBe(false);
  });
});

describe('window state', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 900 };
  const monitor = { x: 1440, y: 0, width: 2560, height: 1440 };
  it('restores a window where a screen still is', () => {
    expect(restoreWindowState({ x: 1600, y: 100, width: 1200, height: 800, maximized: false }, [laptop, monitor])).toEqual({
      x: 1600,
      y: 100,
      width: 1200,
      height: 800,
      maximized: false,
    });
  });
  it('brings back a window from a monitor that is gone, fitted to the screen there is', () => {
    expect(restoreWindowState({ x: 1600, y: 100, width: 1200, height: 800, maximized: true }, [laptop])).toBeUndefined();
    expect(restoreWindowState({ x: 1300, y: -50, width: 2000, height: 800, maximized: false }, [laptop])).toEqual({
      x: 0,
      y: 0,
      width: 1440,
      height: 800,
      maximized: false,
    });
  });
  it('ignores a saved state that is not one', () => {
    expect(restoreWindowState('garbage', [laptop])).toBeUndefined();
    expect(restoreWindowState({ x: 'a', y: 0, width: 1, height: 1, maximized: false }, [laptop])).toBeUndefined();
  });
});

describe('the menu', () => {
  it('offers DevTools only in development, and opening folders and files everywhere', () => {
    const labels = (isDev: boolean): string[] => menuModel({ isMac: false, isDev }).flatMap((m) => m.items.map((i) => i.label));
    expect(labels(true)).toContain('Developer Tools');
    expect(labels(false)).not.toContain('Developer Tools');
    expect(labels(false)).toEqual(expect.arrayContaining(['Open Folder…', 'Open File…', 'Reload']));
    expect(menuModel({ isMac: true, isDev: false })[0]!.label).toBe('Loupe');
  });

  it('gives the tray icon a way back to the window, a folder to open, and Quit', () => {
    const items = trayMenuModel().filter((i) => !i.separator);
    expect(items.map((i) => [i.label, i.command])).toEqual([
      ['Show Loupe', 'show-window'],
      ['Open Folder…', 'open-folder'],
      ['Quit Loupe', 'quit'],
    ]);
  });
});

describe('permissions a window is granted', () => {
  const app = 'file:///opt/loupe/out/renderer/index.html';
  it('grants notifications to the app page only, and nothing else to anyone', () => {
    expect(isPermissionAllowed('notifications', app, app)).toBe(true);
    expect(isPermissionAllowed('notifications', 'https://evil.example/', app)).toBe(false);
    expect(isPermissionAllowed('notifications', 'file:///tmp/other.html', app)).toBe(false);
    expect(isPermissionAllowed('notifications', undefined, app)).toBe(false);
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen', 'midi', 'hid', 'serial', 'usb']) {
      expect(isPermissionAllowed(p, app, app), p).toBe(false);
    }
  });
});

// Which URLs the shell lets a window reach. Pure, so it is unit-tested without Electron.

/** Links the user may open in their browser: http(s) only (no file:, javascript:, custom schemes). */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Navigation inside the window stays in the app: its own origin, or for an app loaded from a file,
 * that very file (every file: URL has the origin "null", so origins can't tell them apart).
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appUrl);
    if (app.protocol === 'file:') return target.protocol === 'file:' && target.pathname === app.pathname;
    return target.origin === app.origin;
  } catch {
    return false;
  }
}

/**
 * IPC is answered only for the app's own page: the top frame, loaded from the app's files (or the
 * dev server in development). Anything else that got into a window is refused.
 */
export function isTrustedSender(senderUrl: string | undefined, appUrl: string): boolean {
  return senderUrl !== undefined && isAppUrl(senderUrl, appUrl);
}

/**
 * Which permission requests (and checks) a window's page is granted: notifications, for the app's
 * own page only. Electron grants every permission by default (camera, microphone, geolocation,
 * clipboard reads…); nothing in Loupe needs them, and a page that got into a window must get none.
 */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined, appUrl: string): boolean {
  return permission === 'notifications' && requestingUrl !== undefined && isAppUrl(requestingUrl, appUrl);
}

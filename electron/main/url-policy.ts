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

/** Navigation inside the window stays on the engine's own origin. */
export function isAppUrl(url: string, engineUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(engineUrl).origin;
  } catch {
    return false;
  }
}

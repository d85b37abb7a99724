// Small view choices kept across reloads and sessions (localStorage; nothing when it is off).
const CRITICAL_PATH_KEY = 'loupe.trace.criticalPath';

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** Whether the waterfall hatches the critical path: off until the user turns it on. */
export function criticalPathShown(): boolean {
  return storage()?.getItem(CRITICAL_PATH_KEY) === 'on';
}

export function rememberCriticalPath(on: boolean): void {
  storage()?.setItem(CRITICAL_PATH_KEY, on ? 'on' : 'off');
}

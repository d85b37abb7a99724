// Types of electron-runtime.js for the TypeScript that uses it (the desktop e2e spec, unit tests).
export function electronSqlitePath(root: string, electronVersion: string, sqliteVersion: string, platform?: string, arch?: string): string;
export function ensureElectronSqlite(
  root: string,
  electronVersion: string,
  log?: (line: string) => void,
): { path: string; problem?: undefined } | { problem: string; path?: undefined };
export function electronVersion(): string;
export function electronBinary(): string | null;
export interface FetchFailure {
  url: string;
  message: string;
  code?: string;
  causeMessage?: string;
}
export const FETCH_RETRY_AFTER_MS: number;
export function fetchFailurePath(root: string): string;
export function rememberFetchFailure(root: string, electronVersion: string, reason: string, now?: number): void;
export function recentFetchFailure(root: string, electronVersion: string, now?: number): { at: number; reason: string } | null;
export function describeFetchFailure(failure: FetchFailure, env?: NodeJS.ProcessEnv): string;
export function fetchElectron(opts: {
  root: string;
  retry?: boolean;
  now?: number;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}): string | null;

// Types of electron-runtime.js for the TypeScript that uses it (the desktop e2e spec).
export function electronSqlitePath(root: string, electronVersion: string, sqliteVersion: string, platform?: string, arch?: string): string;
export function ensureElectronSqlite(root: string, electronVersion: string, log?: (line: string) => void): { path: string; problem?: undefined } | { problem: string; path?: undefined };
export function electronVersion(): string;
export function electronBinary(): string | null;
export function fetchElectron(log?: (line: string) => void): string | null;

// Types of electron-sqlite.js for the TypeScript that uses it (the desktop e2e spec).
export function electronSqlitePath(root: string, electronVersion: string, sqliteVersion: string, platform?: string, arch?: string): string;
export function ensureElectronSqlite(root: string, electronVersion: string, log?: (line: string) => void): { path: string; problem?: undefined } | { problem: string; path?: undefined };
export function electronVersion(): string;

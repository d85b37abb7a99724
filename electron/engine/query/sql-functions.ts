// SQL functions the compiled queries call. Register them on every connection that runs searches.
import type Database from 'better-sqlite3';
import { cachedRegExp } from './regex.js';

/** Adds regexp(pattern, flags, text) → 1/0 (NULL text → 0), with JS RegExp syntax and flags. */
export function registerQueryFunctions(db: Database.Database): void {
  db.function('regexp', { deterministic: true }, (pattern: unknown, flags: unknown, text: unknown) => {
    if (typeof text !== 'string') return 0;
    return cachedRegExp(String(pattern), typeof flags === 'string' ? flags : '').test(text) ? 1 : 0;
  });
}

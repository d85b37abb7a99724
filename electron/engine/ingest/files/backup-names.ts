// File mode: which names beside a followed file are its backups (app.log.1, app.log-20261130,
// logrotate's `extension .log` style app.1.log). They are not sources of their own: they hold the
// file's rotated generations, where a rotation or copytruncate may have left lines not read yet.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { isCompressedName } from './content-sniff.js';

/**
 * Names of backups that keep the extension (logrotate `extension .log`): stem, a separator, a number
 * or a date (with an optional time), then the extension. Narrow on purpose: app-error.log is not a
 * backup of app.log.
 */
export function extensionStyleBackup(base: string): RegExp | null {
  const ext = extname(base);
  if (ext === '' || ext === base) return null;
  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stem = esc(base.slice(0, -ext.length));
  return new RegExp(`^${stem}[-._](?:\\d{1,4}|\\d{4}-?\\d{2}-?\\d{2}(?:[-_T]?\\d{2}(?:[-:]?\\d{2}){0,2})?|\\d{10})${esc(ext)}$`);
}

/** The backups of the file at `root`. */
export class BackupNames {
  private readonly extensionStyle: RegExp | null;

  constructor(private readonly root: string) {
    this.extensionStyle = extensionStyleBackup(basename(root));
  }

  /** The file's name or one of its backups' names. */
  isOwn(name: string): boolean {
    return name.startsWith(basename(this.root)) || this.extensionStyle?.test(name) === true;
  }

  /**
   * Backup names of the file: app.log.1, app.log-20261130, app.log.2026-11-30_01-49-40 ..., and
   * logrotate's `extension .log` style, app.1.log and app-20261130.log.
   */
  async paths(): Promise<string[]> {
    const dir = dirname(this.root);
    const base = basename(this.root);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    return names.filter((n) => n !== base && this.isOwn(n) && !isCompressedName(n)).map((n) => join(dir, n));
  }
}

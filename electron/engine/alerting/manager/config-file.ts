// alertmanager.yml in the data dir, looked at on the scheduler and read again when it changes
// (core/changed-file.ts, as the rule files are): the alert manager runs what it returns.
import { lookAgain } from '../../core/changed-file.js';
import { DEFAULT_CONFIG, parseConfig, type ManagerConfig } from './config.js';

/** How often alertmanager.yml's mtime is looked at (as the rule files'). */
export const CONFIG_CHECK_MS = 2_000;
export const CONFIG_RELOAD_JOB = 'alerts.manager.reload';

/**
 * alertmanager.yml, read again when it changes. A version that does not load leaves the last good
 * configuration running (the defaults when none loaded yet) and its problem (`path:line:column: …`)
 * in `error` until a good version replaces it; a file removed means the defaults again.
 */
export class ManagerConfigFile {
  private stamp: string | null = null;
  error: string | null = null;
  reloads = 0;
  reloadErrors = 0;

  constructor(readonly path: string) {}

  /** The configuration to run now when it changed on disk, else null. */
  check(): ManagerConfig | null {
    // An unreadable file is read again at every look (a chmod does not change the mtime), said once.
    const look = lookAgain(this.path, this.stamp === 'unreadable' ? null : this.stamp);
    if (look.kind === 'unchanged') return null;
    if (look.kind === 'missing') {
      if (this.stamp === 'missing') return null;
      this.stamp = 'missing';
      this.error = null;
      return DEFAULT_CONFIG;
    }
    if (look.kind === 'unreadable') {
      if (this.stamp !== 'unreadable') this.reloadErrors++;
      this.stamp = 'unreadable';
      this.error = `${this.path}:0:0: ${look.message}`;
      return null;
    }
    this.reloads++;
    this.stamp = look.stamp;
    try {
      const config = parseConfig(look.text);
      this.error = null;
      return config;
    } catch (err) {
      this.reloadErrors++;
      this.error = `${this.path}:${(err as Error).message}`;
      return null;
    }
  }
}

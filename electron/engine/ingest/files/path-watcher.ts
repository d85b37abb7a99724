// A source's file-system events (chokidar): fast but lossy, so only a hint that a pass is due; the
// source's stat poll is what keeps it going. One watched target at a time: the file's folder, the
// folder source itself, or the nearest existing parent of a path not created yet.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Scheduler } from '../../core/scheduler.js';
import { errorText } from './fs-errors.js';

/** How long a new watcher may take to be ready before the pass goes on without waiting. */
const READY_WAIT_MS = 2000;

export interface PathWatcherEvents {
  /** Something changed at `path` (`event`: chokidar's, e.g. 'change', 'add', 'unlink'). */
  onEvent(event: string, path: string): void;
  /** Events stopped coming for `target`, and why. */
  onError(target: string, problem: string): void;
  /** The source stopped: no watcher is made any more. */
  stopped(): boolean;
}

/** `dir` or its nearest parent that exists as a folder (what to watch for a path not created yet); null when none does. */
export async function nearestExistingFolder(dir: string): Promise<string | null> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((await stat(d)).isDirectory()) return d;
    } catch {
      // keep going up
    }
    if (dirname(d) === d) return null;
  }
}

export class PathWatcher {
  private watcher: FSWatcher | null = null;
  private target: string | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly events: PathWatcherEvents,
  ) {}

  /** Watches `target` (its whole tree when `recursive`) instead of what was watched, if anything else. */
  async ensure(target: string, recursive: boolean): Promise<void> {
    if (this.watcher && this.target === target) return;
    await this.close();
    if (this.events.stopped()) return;
    const watcher = watch(target, {
      ignoreInitial: true,
      persistent: false,
      depth: recursive ? undefined : 0,
      ignorePermissionErrors: true,
    });
    watcher.on('all', (event, path) => this.events.onEvent(event, path));
    watcher.on('error', (err) => {
      // Events are only a hint; the poll keeps the source going. Still, say why they stopped.
      this.events.onError(target, `watching failed: ${errorText(err)}`);
    });
    this.watcher = watcher;
    this.target = target;
    await new Promise<void>((done) => {
      const timer = this.scheduler.after(READY_WAIT_MS, done);
      watcher.once('ready', () => {
        timer.cancel();
        done();
      });
    });
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    this.target = null;
    if (watcher) await watcher.close().catch(() => undefined);
  }
}

// Files that left their name (rotated away, moved out of the folder, deleted): a writer may still
// finish a write to its old descriptor, so such a file is read to its end at once, kept open and
// read a while longer, then closed, accounted (its new name may be a backup of ours: never read it
// as a new generation) and reported gone.
import type { SourceFiles } from './accounted.js';
import type { FileReader } from './file-reader.js';
import { errorText } from './fs-errors.js';
import type { Clock } from '../../core/clock.js';

/** After a rename or delete, a writer may still finish a write to the old descriptor: wait this long quiet. */
const MIN_DRAIN_GRACE_MS = 1000;

/** What the draining shares with its source's pass loop. */
export interface RotatedAwayContext extends SourceFiles {
  readonly clock: Clock;
  /** The quiet period after which a file's partial line is flushed. */
  readonly idleMs: number;
  /** The pass loop's read of what is new (a binary file is dropped from `readers`). */
  readOrSkip(reader: FileReader): Promise<void>;
  reportProblem(fileId: number | null, path: string, problem: string): void;
}

export class RotatedAway {
  constructor(private readonly c: RotatedAwayContext) {}

  /** How long a file that left its name stays open after its last growth. */
  graceMs(): number {
    return Math.max(MIN_DRAIN_GRACE_MS, this.c.idleMs);
  }

  /** The file left its name: read it to its end now, flush its partial line, and keep it open a while for late writes. */
  async detach(reader: FileReader): Promise<void> {
    if (reader.detachedAt !== null) return;
    reader.detachedAt = this.c.clock.nowMs();
    try {
      await this.c.readOrSkip(reader);
      await reader.signalIdle();
    } catch (err) {
      this.c.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
    }
  }

  /** Reads the detached files' late writes; those quiet for the grace period are closed and gone. */
  async drain(): Promise<void> {
    const now = this.c.clock.nowMs();
    for (const reader of [...this.c.readers.values()]) {
      if (reader.detachedAt === null) continue;
      try {
        await this.c.readOrSkip(reader);
        if (!this.c.readers.has(reader.key)) continue;
        await reader.idleIfQuiet(now);
      } catch (err) {
        this.c.reportProblem(reader.fileId, reader.path, `cannot read: ${errorText(err)}`);
      }
      const quietSince = Math.max(reader.detachedAt, reader.lastGrowthAt);
      if (now - quietSince < this.graceMs()) continue;
      if (!reader.idleSent) await reader.signalIdle();
      this.c.readers.delete(reader.key);
      // Its name may now be a backup of ours: never read it as a new generation.
      this.c.accounted.set(reader.key, reader.identity);
      await reader.close();
      this.c.sink.gone(reader.fileId);
    }
  }
}

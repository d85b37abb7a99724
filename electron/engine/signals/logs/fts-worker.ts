// The full-text indexer's thread: its own connection to the database (reading the queued records)
// with the FTS file attached (writing the index), so FTS5's inserts — the costliest part of
// storing a log line — run beside the engine's loop instead of in it. It only ever writes the FTS
// file; the records' writer never waits for it. Started and stopped by FtsBackground.
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { statSync } from 'node:fs';
import { newDatabase, ftsFilePath } from '../../core/database.js';
import { FtsIndexer } from './fts-index.js';
import { FTS_IDLE_POLL_MS, type FtsWorkerData, type FtsWorkerReport } from './fts-background.js';
import { lowerThisThreadPriority } from '../../core/thread-priority.js';

/**
 * This thread's nice value. The index may lag (searches scan what it has not covered), the records
 * may not: on two cores the loop (writing records) and the parse thread come first, and the
 * indexer takes the rest. It still gets about a third of a core it shares with one busy thread.
 */
const FTS_THREAD_NICE = 5;

lowerThisThreadPriority(FTS_THREAD_NICE);

const { dbPath, walPauseBytes, partRecords } = workerData as FtsWorkerData;
const db = newDatabase(dbPath);
db.pragma('busy_timeout = 5000');
// The records' file is only read here, each new row once (just written, in the OS's cache): a page
// cache of its own gains nothing, and at 64 MB (the engine's) it held the process's peak 70–90 MB
// higher while a big folder was read. The index's pages, which merges read again, keep 32 MB (at
// 64 the same lines per CPU second within the noise, and another ~30 MB held at the peak).
db.pragma('cache_size = -8192');
db.prepare('ATTACH DATABASE ? AS fts').run(ftsFilePath(dbPath));
// The engine chose the file's journal (ftsJournalMode): a WAL is the file's, a rollback journal this connection's.
if (db.pragma('fts.journal_mode', { simple: true }) !== 'wal') db.pragma('fts.journal_mode = TRUNCATE');
db.pragma('fts.synchronous = NORMAL');
db.pragma('fts.cache_size = -32768');
db.pragma(`fts.journal_size_limit = ${4 * 1024 * 1024}`);
const indexer = new FtsIndexer(db, undefined, partRecords);

let stopping = false;
parentPort!.on('message', (m: unknown) => {
  if (m === 'stop') stopping = true;
});

const report = (r: FtsWorkerReport): void => parentPort!.postMessage(r);

/** How many idle polls the thread waits at most for the records' writer to restart a big WAL. */
const WAL_PAUSE_POLLS = 4;

function walTooBig(): boolean {
  try {
    return statSync(`${dbPath}-wal`).size > walPauseBytes;
  } catch {
    return false;
  }
}

/**
 * A WAL is restarted by the next commit after a checkpoint that no reader held back, and this
 * thread's transactions read the records nearly all the time while it has work: the database's WAL
 * grew to 9–18 MB beside a 32 MiB limit. Past walPauseBytes, the thread reads nothing for a few
 * polls (the writer's next commit restarts the WAL); when no commit came (ingest stopped), it
 * checkpoints and cuts the WAL itself.
 */
async function letTheWalRestart(): Promise<void> {
  if (!walTooBig()) return;
  for (let i = 0; i < WAL_PAUSE_POLLS && !stopping; i++) {
    await sleep(FTS_IDLE_POLL_MS);
    if (!walTooBig()) return;
  }
  db.pragma('main.wal_checkpoint(TRUNCATE)');
}

let failures = 0;
while (!stopping) {
  let done = 0;
  try {
    await letTheWalRestart();
    done = indexer.indexSome() || indexer.mergeSome();
    if (done > 0) report({ indexed: done });
    if (failures > 0) report({ error: null });
    failures = 0;
  } catch (err) {
    // A busy or full disk: the queue keeps the work; tried again, less often while it fails.
    failures++;
    report({ error: err instanceof Error ? err.message : String(err) });
  }
  if (done === 0) await sleep(FTS_IDLE_POLL_MS * Math.min(2 ** failures, 64));
  else await new Promise((resolve) => setImmediate(resolve)); // lets 'stop' in
}
db.close();
report({ stopped: true });
// The message listener would keep the thread alive: closing the port lets it exit.
parentPort!.close();

// The full-text indexer's thread runs at a lower priority than the engine's loop (Linux): only
// that thread, never the whole process.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThisThreadPriority } from '../../../electron/engine/core/thread-priority.js';
import { assertBuilt, ROOT } from '../../support/serve-process.js';
import { niceOf } from '../../support/proc-stat.js';

/** The built module, as the FTS thread loads it (`npm run build:node`). */
const BUILT = pathToFileURL(join(ROOT, 'out/node/electron/engine/core/thread-priority.js')).href;

/** The nice value of one thread of this process. */
function threadNice(tid: number): number {
  return niceOf(`/proc/${process.pid}/task/${tid}/stat`);
}

describe.runIf(process.platform === 'linux')('lowerThisThreadPriority', () => {
  it('lowers the calling worker thread alone, and refuses to lower the main thread (the whole process)', async () => {
    assertBuilt();
    // A thread loads the built module (the test runner's TypeScript is not loaded in threads),
    // lowers itself and says its thread id.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import(${JSON.stringify(BUILT)}).then((m) => {
         const lowered = m.lowerThisThreadPriority(5);
         const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
         parentPort.postMessage({ lowered, tid });
         setTimeout(() => {}, 5000);
       });`,
      { eval: true },
    );
    const { lowered, tid } = await new Promise<{ lowered: boolean; tid: number }>((resolve) => worker.once('message', resolve));
    expect(lowered).toBe(true);
    try {
      expect(threadNice(tid)).toBe(5);
      expect(threadNice(process.pid)).toBe(0);
    } finally {
      await worker.terminate();
    }
    expect(lowerThisThreadPriority(5)).toBe(false);
    expect(threadNice(process.pid)).toBe(0);
  });
});

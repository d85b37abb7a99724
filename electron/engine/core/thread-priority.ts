// Lowers the CPU priority of the calling thread alone, for work that may lag (a derived index)
// and must not take a core from the engine's loop when the machine has few.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Gives the calling thread the nice value `nice` (0 normal … 19 lowest). Linux only: there a
 * thread has its own id (/proc/thread-self → "<pid>/task/<tid>") and a nice value of its own;
 * elsewhere setpriority would lower the whole process, so nothing is done. Returns whether it was.
 */
export function lowerThisThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false; // no /proc, or not allowed: the thread runs at the normal priority
  }
}

// What the Logs view says while files are still being read: what a search did with the unread
// bytes (all searched, stopped at the limit, not searched, files skipped) and what the counts cover.
import { describe, expect, it } from 'vitest';
import { unreadCountText, unreadSearchText } from '../../../renderer/src/features/logs/unread-text.js';

const MIB = 1024 * 1024;

describe('the unread part in words', () => {
  it('says what a search looked through', () => {
    expect(unreadSearchText(null)).toBe('');
    expect(unreadSearchText({ bytes: 120 * MIB, files: 2, scannedBytes: 120 * MIB })).toBe('searching the last 120 MiB not yet read');
    expect(unreadSearchText({ bytes: 3 * 1024 * MIB, files: 9, scannedBytes: 1024 * MIB })).toBe(
      'searched 1.0 GiB of the 3.0 GiB not yet read (stopped at the limit)',
    );
  });

  it('says what a browse read', () => {
    expect(unreadSearchText({ bytes: 40 * MIB, files: 1, scannedBytes: 40 * MIB, browsed: true })).toBe(
      'reading the last 40 MiB not yet stored',
    );
    expect(unreadSearchText({ bytes: 3 * 1024 * MIB, files: 9, scannedBytes: 1024 * MIB, browsed: true })).toBe(
      'read 1.0 GiB of the 3.0 GiB not yet stored (stopped at the limit)',
    );
    expect(unreadSearchText({ bytes: 40 * MIB, files: 1, scannedBytes: 40 * MIB, browsed: true, unordered: ['/var/log/a.log'] })).toBe(
      'reading the last 40 MiB not yet stored · a file is not in time order, read whole: /var/log/a.log',
    );
  });

  it('names the files skipped because they changed', () => {
    expect(unreadSearchText({ bytes: 0, files: 0, scannedBytes: 0, changed: ['/var/log/app.log'] })).toBe(
      'a file changed while searching, skipped: /var/log/app.log',
    );
  });

  it('says what the counts leave out', () => {
    expect(unreadCountText(undefined)).toBe('');
    expect(unreadCountText({ bytes: 64 * MIB, files: 1 })).toBe('64 MiB still being read');
  });

  it('says nothing of a live file\'s lines in flight (under a moment\'s reading: the demo showed "550 B still being read" for ever)', () => {
    expect(unreadCountText({ bytes: 550, files: 1 })).toBe('');
    expect(unreadSearchText({ bytes: 542, files: 1, scannedBytes: 542, browsed: true })).toBe('');
    expect(unreadSearchText({ bytes: 542, files: 1, scannedBytes: 542, changed: ['/var/log/app.log'] })).toBe(
      'a file changed while searching, skipped: /var/log/app.log',
    );
    // …unless the search did not look through them all.
    expect(unreadSearchText({ bytes: 900 * 1024, files: 1, scannedBytes: 0 })).toBe(
      'searched 0 B of the 900 KiB not yet read (stopped at the limit)',
    );
  });
});

// Fingerprints without a traceback (the normalised message) and which frames are a library's.
import { describe, expect, it } from 'vitest';
import { fingerprintOf, normaliseMessage } from '../../../electron/engine/analysis/error-groups/fingerprint.js';
import { isLibraryFile, parseTracebacks } from '../../../electron/engine/analysis/error-groups/traceback.js';

describe('error fingerprints', () => {
  it('replaces what varies in a message: numbers, ids, hex, addresses and quoted values', () => {
    expect(
      normaliseMessage("user 42 not found in 'eu-west-1' (req 3f2b9c1d-0a1b-4c2d-8e3f-123456789abc at 0x7f3a2c, from 10.0.0.7:5432)"),
    ).toBe('user <num> not found in <str> (req <uuid> at <hex>, from <ip>)');
    const a = fingerprintOf('TimeoutError', undefined, 'upstream 10.0.0.1:80 timed out after 30s');
    const b = fingerprintOf('TimeoutError', undefined, 'upstream 10.0.0.9:8080 timed out after 5s');
    const c = fingerprintOf('TimeoutError', undefined, 'database timed out after 5s');
    expect([a.hash === b.hash, a.hash === c.hash, a.byFrames]).toEqual([true, false, false]);
  });

  it('tells library frames (site-packages, dist-packages, the standard library) from the app', () => {
    expect(isLibraryFile('/srv/venv/lib/python3.12/site-packages/requests/api.py')).toBe(true);
    expect(isLibraryFile('/usr/lib/python3/dist-packages/structlog/_base.py')).toBe(true);
    expect(isLibraryFile('/usr/lib/python3.11/json/decoder.py')).toBe(true);
    expect(isLibraryFile('<frozen importlib._bootstrap>')).toBe(true);
    expect(isLibraryFile('/srv/shop/orders.py')).toBe(false);
  });

  it('keys on the app frames when there are any: a library frame that moves keeps the group', () => {
    const tb = (libFunction: string): string =>
      [
        'Traceback (most recent call last):',
        '  File "/srv/shop/orders.py", line 10, in checkout',
        '    requests.get(url)',
        `  File "/srv/venv/lib/python3.12/site-packages/requests/api.py", line 73, in ${libFunction}`,
        "    raise ConnectionError('refused')",
        'requests.exceptions.ConnectionError: refused',
      ].join('\n');
    const [one] = parseTracebacks(tb('get'));
    const [two] = parseTracebacks(tb('request'));
    expect(fingerprintOf(one!.type, one, one!.message).hash).toBe(fingerprintOf(two!.type, two, two!.message).hash);
  });
});

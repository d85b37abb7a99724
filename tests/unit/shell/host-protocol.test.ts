// What main and the engine host accept from each other: only the messages of the shared contract,
// with their fields of the right type; anything else is ignored rather than acted on.
import { describe, expect, it } from 'vitest';
import { parseHostToMain, parseMainToHost } from '../../../shared/host-protocol.js';

describe('the main ↔ engine host messages', () => {
  it('lets through the messages main sends the engine host', () => {
    expect(parseMainToHost({ type: 'renderer-port' })).toEqual({ type: 'renderer-port' });
    expect(parseMainToHost({ type: 'add-source', path: '/var/log/app.log' })).toEqual({ type: 'add-source', path: '/var/log/app.log' });
    const snooze = { type: 'alert-action', fingerprint: 'fp-db', action: 'snooze' };
    expect(parseMainToHost(snooze)).toEqual(snooze);
    expect(parseMainToHost({ type: 'alert-action', fingerprint: 7, action: 'snooze' })).toBeNull();
  });

  it('lets through the dialogs the engine host asks main to show', () => {
    expect(parseHostToMain({ type: 'warning', message: 'ports taken' })).toEqual({ type: 'warning', message: 'ports taken' });
    expect(parseHostToMain({ type: 'error', message: 'cannot watch /root' })).toEqual({ type: 'error', message: 'cannot watch /root' });
  });

  it('refuses a message with a missing or mistyped field', () => {
    expect(parseMainToHost({ type: 'add-source' })).toBeNull();
    expect(parseMainToHost({ type: 'add-source', path: 42 })).toBeNull();
    expect(parseHostToMain({ type: 'warning' })).toBeNull();
    expect(parseHostToMain({ type: 'error', message: { text: 'x' } })).toBeNull();
  });

  it('refuses what is not a message of that direction', () => {
    for (const data of [null, undefined, 'renderer-port', 42, [], {}, { type: 7 }, { type: 'toString' }, { type: '__proto__' }]) {
      expect(parseMainToHost(data)).toBeNull();
      expect(parseHostToMain(data)).toBeNull();
    }
    // Each direction has its own messages: the host does not take main's dialogs, nor main the host's commands.
    expect(parseMainToHost({ type: 'warning', message: 'x' })).toBeNull();
    expect(parseHostToMain({ type: 'add-source', path: '/tmp/x.log' })).toBeNull();
    // The host no longer announces itself: a stray 'ready' is not part of the contract.
    expect(parseHostToMain({ type: 'ready', apiUrl: 'http://127.0.0.1:4320' })).toBeNull();
  });
});

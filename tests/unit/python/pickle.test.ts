// The data-only pickle reader against pickles made by the real Python (/usr/bin/python3): every
// protocol 0–5 and every data type, the LogRecord dicts SocketHandler.makePickle sends, and
// pickles that would run code (os.system through GLOBAL/STACK_GLOBAL + REDUCE, BUILD, INST…),
// which are refused with a reason and never run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPickle, PickleError, type PyValue } from '../../../electron/engine/ingest/python/pickle.js';

const PYTHON = '/usr/bin/python3';

/** Runs Python code that prints one pickle per line as hex; returns them as buffers. */
function pickles(code: string, ...args: string[]): Buffer[] {
  const out = execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .trim()
    .split('\n')
    .map((hex) => Buffer.from(hex, 'hex'));
}

const VALUES = String.raw`
import pickle, sys
shared = [1, 2]
value = {
  'text': 'héllo ☃ \n \\ end', 'empty': '', 'long_text': 'x' * 300,
  'small': 7, 'byte': 255, 'word': 65535, 'int': 70000, 'neg': -5, 'negbig': -(2**40), 'huge': 2**70, 'hugeneg': -(2**70),
  'float': 1.5, 'negfloat': -0.25, 'true': True, 'false': False, 'none': None,
  'list': [1, 'a', [2, None]], 'one': [3], 'tuple0': (), 'tuple1': (1,), 'tuple2': (1, 2), 'tuple3': (1, 2, 3), 'tuple4': (1, 2, 3, 4),
  'bytes': b'ab\xff', 'nobytes': b'', 'bytearray': bytearray(b'xy'), 'set': {5}, 'noset': set(), 'frozenset': frozenset([6]),
  'nested': {'k': {'j': [None]}}, 'shared_a': shared, 'shared_b': shared, 'intkey': {1: 'one'},
}
for p in range(0, pickle.HIGHEST_PROTOCOL + 1):
  print(pickle.dumps(value, p).hex())
`;

const EXPECTED: Record<string, PyValue> = {
  text: 'héllo ☃ \n \\ end',
  empty: '',
  long_text: 'x'.repeat(300),
  small: 7,
  byte: 255,
  word: 65535,
  int: 70000,
  neg: -5,
  negbig: -(2 ** 40),
  huge: 2n ** 70n,
  hugeneg: -(2n ** 70n),
  float: 1.5,
  negfloat: -0.25,
  true: true,
  false: false,
  none: null,
  list: [1, 'a', [2, null]],
  one: [3],
  tuple0: [],
  tuple1: [1],
  tuple2: [1, 2],
  tuple3: [1, 2, 3],
  tuple4: [1, 2, 3, 4],
  bytes: Uint8Array.from([0x61, 0x62, 0xff]),
  nobytes: new Uint8Array(0),
  bytearray: Uint8Array.from([0x78, 0x79]),
  set: [5],
  noset: [],
  frozenset: [6],
  nested: { k: { j: [null] } },
  shared_a: [1, 2],
  shared_b: [1, 2],
  intkey: { 1: 'one' },
};

/** Plain objects for comparing (the reader's dicts have no prototype). */
function plain(v: PyValue): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function refusal(data: Uint8Array): PickleError {
  try {
    loadPickle(data);
  } catch (err) {
    if (err instanceof PickleError) return err;
    throw err;
  }
  throw new Error('the pickle was accepted');
}

describe('loadPickle: data pickled by Python', () => {
  const all = pickles(VALUES);

  it('reads every protocol Python writes (0 to 5)', () => {
    expect(all).toHaveLength(6);
  });

  for (let p = 0; p <= 5; p++) {
    it(`protocol ${p}: every data type comes back as written`, () => {
      const v = loadPickle(all[p]!);
      expect(plain(v)).toEqual(plain(EXPECTED));
    });
  }

  it('keeps memoised values shared (one list pickled twice comes back as one array)', () => {
    const v = loadPickle(all[1]!) as Record<string, PyValue>;
    expect(v['shared_a']).toBe(v['shared_b']);
  });

  it("reads what logging.handlers.SocketHandler.makePickle sends (protocol 1, the record's dict)", () => {
    const [framed] = pickles(String.raw`
import logging, logging.handlers
h = logging.handlers.SocketHandler('127.0.0.1', 9)
log = logging.getLogger('shop.checkout')
try:
  1 / 0
except ZeroDivisionError:
  import sys
  r = log.makeRecord('shop.checkout', logging.ERROR, '/srv/app.py', 12, 'order %s failed', ('A-1',), sys.exc_info(), 'pay', {'order_id': 42})
print(h.makePickle(r).hex())
`);
    const length = framed!.readUInt32BE(0);
    expect(length).toBe(framed!.length - 4);
    const d = loadPickle(framed!.subarray(4)) as Record<string, PyValue>;
    expect(d['name']).toBe('shop.checkout');
    expect(d['msg']).toBe('order A-1 failed');
    expect(d['args']).toBeNull();
    expect(d['levelname']).toBe('ERROR');
    expect(d['levelno']).toBe(40);
    expect(d['order_id']).toBe(42);
    expect(d['funcName']).toBe('pay');
    expect(d['exc_text']).toMatch(/^Traceback \(most recent call last\):[\s\S]*ZeroDivisionError: division by zero$/);
    expect(typeof d['created']).toBe('number');
  });
});

describe('loadPickle: pickles that would run code are refused, nothing runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-pickle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses os.system through GLOBAL + REDUCE (protocols 0–2) and STACK_GLOBAL (3–5), with the name in the reason', () => {
    const marker = join(dir, 'pwned');
    const evil = pickles(
      String.raw`
import os, pickle, sys
class Evil:
  def __reduce__(self):
    return (os.system, ('touch ' + sys.argv[1],))
for p in range(0, pickle.HIGHEST_PROTOCOL + 1):
  print(pickle.dumps({'msg': Evil()}, p).hex())
`,
      marker,
    );
    expect(evil).toHaveLength(6);
    for (const [p, data] of evil.entries()) {
      const err = refusal(data);
      expect(err.reason, `protocol ${p}`).toBe('opcode');
      expect(err.message).toMatch(p <= 3 ? /GLOBAL names posix\.system: refused/ : /STACK_GLOBAL names posix\.system: refused/);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an instance of a class (GLOBAL of the class, then NEWOBJ / BUILD)', () => {
    const [p1, p2] = pickles(String.raw`
import pickle
class Point:
  def __init__(self): self.x = 1
print(pickle.dumps(Point(), 1).hex())
print(pickle.dumps(Point(), 2).hex())
`);
    expect(refusal(p1!).message).toMatch(/GLOBAL names copy_reg\._reconstructor|GLOBAL names __main__\.Point/);
    expect(refusal(p2!).message).toMatch(/GLOBAL names (copyreg|copy_reg|__main__)\./);
  });

  it.each([
    ['BUILD', Buffer.from(']}b.', 'latin1')],
    ['INST', Buffer.from('(ios\nsystem\n.', 'latin1')],
    ['OBJ', Buffer.from('(]o.', 'latin1')],
    ['PERSID', Buffer.from('P1\n.', 'latin1')],
    ['BINPERSID', Buffer.from('NQ.', 'latin1')],
    ['NEWOBJ', Buffer.from('\x80\x02N)\x81.', 'latin1')],
    ['EXT1', Buffer.from('\x80\x02\x82\x01.', 'latin1')],
    ['REDUCE', Buffer.from('N)R.', 'latin1')],
  ])('refuses %s', (name, data) => {
    const err = refusal(data);
    expect(err.reason).toBe('opcode');
    expect(err.message).toContain(name);
  });

  it('refuses a recognised constructor called with arguments it does not take', () => {
    expect(refusal(Buffer.from('c_codecs\nencode\n(I1\ntR.', 'latin1')).reason).toBe('malformed');
  });
});

describe('loadPickle: keys that mean something to JavaScript', () => {
  it('keeps a `__proto__` key as a plain key: no prototype is set, nothing else changes', () => {
    const [data] = pickles(String.raw`
import pickle
print(pickle.dumps({'__proto__': {'polluted': True}, 'constructor': 1}, 1).hex())
`);
    const d = loadPickle(data!) as Record<string, PyValue>;
    expect(Object.keys(d)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(d)).toBe('{"__proto__":{"polluted":true},"constructor":1}');
  });
});

describe('loadPickle: limits and broken input', () => {
  it('refuses a pickle over the byte limit', () => {
    expect(refusal(Buffer.alloc(2 * 1024 * 1024, 0x4e)).reason).toBe('limit');
  });

  it('refuses nesting deeper than the depth limit', () => {
    const [deep] = pickles(String.raw`
import pickle
v = None
for _ in range(200): v = [v]
print(pickle.dumps(v, 1).hex())
`);
    const err = refusal(deep!);
    expect(err.reason).toBe('limit');
    expect(err.message).toMatch(/nested deeper than 100/);
  });

  it('refuses more elements than the element limit', () => {
    const [many] = pickles(String.raw`
import pickle
print(pickle.dumps(list(range(150000)), 1).hex())
`);
    expect(refusal(many!).message).toMatch(/more than 100000 elements/);
  });

  it.each([
    ['truncated', Buffer.from('X\x10\x00\x00\x00ab', 'latin1'), /ends early/],
    ['no STOP', Buffer.from('N', 'latin1'), /no STOP/],
    ['unknown opcode', Buffer.from('\xff.', 'latin1'), /unknown opcode 0xff/],
    ['STOP on an empty stack', Buffer.from('.', 'latin1'), /STOP/],
    ['APPEND to a dict', Buffer.from('}Na.', 'latin1'), /a list was expected/],
    ['GET of nothing', Buffer.from('h\x05.', 'latin1'), /unknown memo entry/],
  ])('says what is wrong with a %s pickle', (_, data, message) => {
    const err = refusal(data);
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(message);
  });
});

// A pickle reader for data only, protocols 0–5: what Python's logging.handlers.SocketHandler and
// DatagramHandler send (`pickle.dumps(record.__dict__, 1)`). It interprets the opcodes that build
// dicts, lists, tuples, sets, strings, bytes, numbers, booleans and None (with the memo, MARK, FRAME
// and PROTO), and refuses every opcode that would name or call code (GLOBAL, STACK_GLOBAL, REDUCE,
// BUILD, INST, OBJ, NEWOBJ, PERSID, EXT…) with a reason. Nothing in a pickle is ever looked up or
// called: the one exception is the fixed spelling protocols 0–2 use for bytes, bytearray, set and
// frozenset (`_codecs.encode(s, 'latin1')`, `builtins.set(list)`…), which is recognised as data and
// built here. Bounded: input length, stack depth, memo size and the number of elements.
import { integerOf, littleEndianSigned, rawUnicodeEscape, unquotePy2 } from './pickle-literals.js';

/** A Python value as the reader builds it: dicts as objects (keys as text, `__proto__` an own key like any other), tuples and sets as arrays. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict;
export interface PyDict {
  [key: string]: PyValue;
}

export interface PickleLimits {
  /** Bytes in one pickle. */
  maxBytes: number;
  /** Containers nested in containers. */
  maxDepth: number;
  /** Values on the stack at once (the pickler batches 1000 elements at a time). */
  maxStack: number;
  /** Elements added to containers, and memo entries, in one pickle. */
  maxElements: number;
}

export const PICKLE_LIMITS: PickleLimits = { maxBytes: 1024 * 1024, maxDepth: 100, maxStack: 10_000, maxElements: 100_000 };

/** Why a pickle was refused: `reason` is a short key for counters (`opcode`, `limit`, `malformed`). */
export class PickleError extends Error {
  constructor(
    readonly reason: 'opcode' | 'limit' | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = 'PickleError';
  }
}

/** Opcodes that name, call or fetch code or outside objects: never run, always refused. */
const REFUSED: Record<number, string> = {
  0x62: 'BUILD',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** The only globals a data pickle names: how protocols 0–2 spell bytes, bytearray, set and frozenset. */
type Constructor = 'encode' | 'bytes' | 'bytearray' | 'set' | 'frozenset';
const CONSTRUCTORS = new Map<string, Constructor>([
  ['_codecs encode', 'encode'],
  ['__builtin__ bytes', 'bytes'],
  ['builtins bytes', 'bytes'],
  ['__builtin__ bytearray', 'bytearray'],
  ['builtins bytearray', 'bytearray'],
  ['__builtin__ set', 'set'],
  ['builtins set', 'set'],
  ['__builtin__ frozenset', 'frozenset'],
  ['builtins frozenset', 'frozenset'],
]);

/** A recognised constructor on the stack, waiting for its REDUCE. */
class ConstructorRef {
  constructor(readonly name: Constructor) {}
}

type StackItem = PyValue | ConstructorRef;

/** Decode one pickle of data; throws PickleError (never runs anything the pickle names). */
export function loadPickle(data: Uint8Array, limits: PickleLimits = PICKLE_LIMITS): PyValue {
  if (data.length > limits.maxBytes)
    throw new PickleError('limit', `the pickle is ${data.length} bytes, over the limit of ${limits.maxBytes}`);
  return new PickleReader(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length), limits).run();
}

/** Node's Buffer methods behind toString('utf8' | 'latin1', start, end), bounds already checked. */
interface BufferSlicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** One pickle's reading: its position, stacks and memo. */
class PickleReader {
  private pos = 0;
  private stack: StackItem[] = [];
  private readonly metastack: StackItem[][] = [];
  /** Values on all the stacks and marks: bounded by maxStack. */
  private depth = 0;
  /** Each container's nesting level (1: holds no container), bounded by maxDepth; made for the first nested container. */
  private levels: WeakMap<object, number> | null = null;
  /** Dense indices, as picklers write them (an index past maxElements is refused). */
  private readonly memo: StackItem[] = [];
  private memoCount = 0;
  private elements = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly limits: PickleLimits,
  ) {}

  private levelOf(v: PyValue): number {
    return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? (this.levels?.get(v) ?? 1) : 0;
  }

  /** Note that `container` now holds `item`. */
  private holds(container: PyValue[] | PyDict, item: PyValue): void {
    if (item === null || typeof item !== 'object' || item instanceof Uint8Array) return;
    const level = this.levelOf(item) + 1;
    this.levels ??= new WeakMap();
    if (level > (this.levels.get(container) ?? 1)) {
      if (level > this.limits.maxDepth) throw new PickleError('limit', `nested deeper than ${this.limits.maxDepth}`);
      this.levels.set(container, level);
    }
  }

  private memoPut(index: number, v: StackItem): void {
    if (!Number.isInteger(index) || index < 0) this.malformed('a memo index is not a number');
    if (index > this.limits.maxElements) throw new PickleError('limit', `a memo index past ${this.limits.maxElements}`);
    if (this.memo[index] === undefined) {
      this.count(1);
      this.memoCount++;
    }
    this.memo[index] = v;
  }

  private memoGet(index: number, opcode: string): StackItem {
    const v = Number.isInteger(index) && index >= 0 ? this.memo[index] : undefined;
    return v === undefined ? this.malformed(`${opcode} of an unknown memo entry`) : v;
  }

  private malformed(what: string): never {
    throw new PickleError('malformed', `${what} at byte ${this.pos}`);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) this.malformed('the pickle ends early');
  }

  private count(n: number): void {
    this.elements += n;
    if (this.elements > this.limits.maxElements) throw new PickleError('limit', `more than ${this.limits.maxElements} elements`);
  }

  private push(v: StackItem): void {
    if (this.depth >= this.limits.maxStack) throw new PickleError('limit', `more than ${this.limits.maxStack} values on the stack`);
    this.stack.push(v);
    this.depth++;
  }

  private pop(): StackItem {
    if (this.stack.length === 0) this.malformed('a value was expected on the stack');
    this.depth--;
    return this.stack.pop()!;
  }

  private top(): StackItem {
    if (this.stack.length === 0) this.malformed('a value was expected on the stack');
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): StackItem[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (prev === undefined) this.malformed('no MARK before this opcode');
    this.stack = prev!;
    this.depth -= items.length + 1;
    return items;
  }

  /** Protocol 0's text argument, up to its newline. */
  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end === -1) this.malformed('a text argument has no newline');
    const text = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return text;
  }

  private bytesOf(n: number): Uint8Array {
    this.need(n);
    const b = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private textOf(n: number, encoding: 'utf8' | 'latin1'): string {
    this.need(n);
    // Buffer's own slicers: toString's argument checks cost more than decoding a LogRecord's short strings.
    const b = this.buf as unknown as BufferSlicers;
    const t = encoding === 'utf8' ? b.utf8Slice(this.pos, this.pos + n) : b.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    return t;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  private u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(this.buf.length)) this.malformed('a length is past the end of the pickle');
    return Number(v);
  }

  private value(v: StackItem, what: string): PyValue {
    if (v instanceof ConstructorRef) this.malformed(`${v.name} used as ${what}`);
    return v as PyValue;
  }

  private dictOf(v: StackItem): PyDict {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof ConstructorRef)
      this.malformed('a dict was expected');
    return v as PyDict;
  }

  private listOf(v: StackItem): PyValue[] {
    if (!Array.isArray(v)) this.malformed('a list was expected');
    return v as PyValue[];
  }

  private setItems(dict: PyDict, items: StackItem[]): void {
    if (items.length % 2 !== 0) this.malformed('a dict has a key without a value');
    this.count(items.length / 2);
    for (let i = 0; i < items.length; i += 2) {
      const v = this.value(items[i + 1]!, 'a value');
      this.holds(dict, v);
      setKey(dict, knownKey(keyText(this.value(items[i]!, 'a key'))), v);
    }
  }

  run(): PyValue {
    while (this.pos < this.buf.length) {
      const op = this.buf[this.pos++]!;
      switch (op) {
        case 0x2e: // STOP
          if (this.stack.length !== 1 || this.metastack.length !== 0) this.malformed('STOP with a this.stack that is not one value');
          return this.value(this.stack[0]!, 'the result');
        case 0x80: // PROTO
          this.need(1);
          if (this.buf[this.pos]! > 5) this.malformed(`protocol ${this.buf[this.pos]} is not known`);
          this.pos++;
          break;
        case 0x95: // FRAME: a length hint; the bytes follow as usual
          this.u64();
          break;
        case 0x28: // MARK
          if (this.depth >= this.limits.maxStack)
            throw new PickleError('limit', `more than ${this.limits.maxStack} values on the this.stack`);
          this.metastack.push(this.stack);
          this.stack = [];
          this.depth++;
          break;
        case 0x30: // POP
          if (this.stack.length > 0) this.pop();
          else this.popMark();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x49: {
          // INT (text); I01/I00 are True/False in protocol 0
          const text = this.line();
          if (text === '01') this.push(true);
          else if (text === '00') this.push(false);
          else this.push(integerOf(text) ?? this.malformed(`INT ${JSON.stringify(text)}`));
          break;
        }
        case 0x4c: {
          // LONG (text, an optional L suffix)
          const text = this.line();
          this.push(integerOf(text.endsWith('L') ? text.slice(0, -1) : text) ?? this.malformed(`LONG ${JSON.stringify(text)}`));
          break;
        }
        case 0x4a: // BININT
          this.need(4);
          this.push(this.buf.readInt32LE(this.pos));
          this.pos += 4;
          break;
        case 0x4b: // BININT1
          this.need(1);
          this.push(this.buf[this.pos++]!);
          break;
        case 0x4d: // BININT2
          this.need(2);
          this.push(this.buf.readUInt16LE(this.pos));
          this.pos += 2;
          break;
        case 0x8a: {
          // LONG1
          this.need(1);
          const n = this.buf[this.pos++]!;
          this.push(littleEndianSigned(this.bytesOf(n)));
          break;
        }
        case 0x8b: {
          // LONG4
          const n = this.u32();
          if (n > 64) throw new PickleError('limit', `an integer of ${n} bytes`);
          this.push(littleEndianSigned(this.bytesOf(n)));
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const text = this.line();
          const n = Number(text);
          this.push(Number.isNaN(n) && text.toLowerCase() !== 'nan' ? this.malformed(`FLOAT ${JSON.stringify(text)}`) : n);
          break;
        }
        case 0x47: // BINFLOAT
          this.need(8);
          this.push(this.buf.readDoubleBE(this.pos));
          this.pos += 8;
          break;
        case 0x53: // STRING (a quoted Python 2 str)
          this.push(unquotePy2(this.line()) ?? this.malformed('STRING is not quoted'));
          break;
        case 0x54: // BINSTRING
          this.push(this.textOf(this.u32(), 'latin1'));
          break;
        case 0x55: // SHORT_BINSTRING
          this.need(1);
          this.push(this.textOf(this.buf[this.pos++]!, 'latin1'));
          break;
        case 0x56: // UNICODE (raw-unicode-escape)
          this.push(rawUnicodeEscape(this.line()));
          break;
        case 0x58: // BINUNICODE
          this.push(this.textOf(this.u32(), 'utf8'));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.need(1);
          this.push(this.textOf(this.buf[this.pos++]!, 'utf8'));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.textOf(this.u64(), 'utf8'));
          break;
        case 0x42: // BINBYTES
          this.push(this.bytesOf(this.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.need(1);
          this.push(this.bytesOf(this.buf[this.pos++]!));
          break;
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
          this.push(this.bytesOf(this.u64()));
          break;
        case 0x5d: // EMPTY_LIST
        case 0x29: // EMPTY_TUPLE
        case 0x8f: // EMPTY_SET
          this.push([]);
          break;
        case 0x7d: // EMPTY_DICT
          this.push({});
          break;
        case 0x6c: // LIST
        case 0x74: // TUPLE
        case 0x91: {
          // FROZENSET
          const items = this.popMark().map((v) => this.value(v, 'an element'));
          this.count(items.length);
          for (const v of items) this.holds(items, v);
          this.push(items);
          break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const n = op - 0x84;
          if (this.stack.length < n) this.malformed('a tuple needs more values');
          const items = this.stack.splice(this.stack.length - n, n).map((v) => this.value(v, 'an element'));
          this.depth -= n;
          this.count(n);
          for (const v of items) this.holds(items, v);
          this.push(items);
          break;
        }
        case 0x64: {
          // DICT
          const items = this.popMark();
          const dict: PyDict = {};
          this.setItems(dict, items);
          this.push(dict);
          break;
        }
        case 0x61: {
          // APPEND
          const v = this.value(this.pop(), 'an element');
          this.count(1);
          const list = this.listOf(this.top());
          this.holds(list, v);
          list.push(v);
          break;
        }
        case 0x65: // APPENDS
        case 0x90: {
          // ADDITEMS (to a set: kept as a list)
          const items = this.popMark();
          this.count(items.length);
          const list = this.listOf(this.top());
          for (const item of items) {
            const v = this.value(item, 'an element');
            this.holds(list, v);
            list.push(v);
          }
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.dictOf(this.top()), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.dictOf(this.top()), items);
          break;
        }
        case 0x70: // PUT (text)
          this.memoPut(Number(this.line()), this.top());
          break;
        case 0x71: // BINPUT
          this.need(1);
          this.memoPut(this.buf[this.pos++]!, this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memoCount, this.top());
          break;
        case 0x67: // GET (text)
          this.push(this.memoGet(Number(this.line()), 'GET'));
          break;
        case 0x68: // BINGET
          this.need(1);
          this.push(this.memoGet(this.buf[this.pos++]!, 'BINGET'));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32(), 'LONG_BINGET'));
          break;
        case 0x63: {
          // GLOBAL: only the names old protocols use for bytes and sets
          const module = this.line();
          const name = this.line();
          this.push(constructorNamed(module, name, 'GLOBAL'));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.malformed('STACK_GLOBAL needs two strings');
          this.push(constructorNamed(module as string, name as string, 'STACK_GLOBAL'));
          break;
        }
        case 0x52: {
          // REDUCE: only of a recognised constructor, built here from its data
          const args = this.pop();
          const callable = this.pop();
          if (!(callable instanceof ConstructorRef))
            throw new PickleError('opcode', 'opcode REDUCE calls something: refused (only data is read)');
          this.push(construct(callable.name, args) ?? this.malformed(`${callable.name} with arguments it does not take`));
          break;
        }
        default: {
          const refused = REFUSED[op];
          if (refused !== undefined) throw new PickleError('opcode', `opcode ${refused} refused (only data is read)`);
          this.malformed(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
        }
      }
    }
    return this.malformed('the pickle has no STOP');
  }
}

function constructorNamed(module: string, name: string, opcode: string): ConstructorRef {
  const known = CONSTRUCTORS.get(`${module} ${name}`);
  if (known === undefined) throw new PickleError('opcode', `opcode ${opcode} names ${module}.${name}: refused (only data is read)`);
  return new ConstructorRef(known);
}

/** The value old protocols' REDUCE spells with a recognised constructor, or undefined for other arguments. */
function construct(name: Constructor, args: StackItem): PyValue | undefined {
  if (!Array.isArray(args)) return undefined;
  const [a, b] = args as PyValue[];
  switch (name) {
    case 'encode': {
      if (args.length !== 2 || typeof a !== 'string' || (b !== 'latin1' && b !== 'latin-1')) return undefined;
      const out = new Uint8Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const c = a.charCodeAt(i);
        if (c > 0xff) return undefined;
        out[i] = c;
      }
      return out;
    }
    case 'bytes':
    case 'bytearray':
      if (args.length === 0) return new Uint8Array(0);
      return args.length === 1 && a instanceof Uint8Array ? a : undefined;
    case 'set':
    case 'frozenset':
      if (args.length === 0) return [];
      return args.length === 1 && Array.isArray(a) ? a : undefined;
  }
}

/**
 * Dict keys seen before, as the one string each: a property added under a string V8 already knows
 * is several times cheaper than under a fresh one (a LogRecord has ~20 keys, the same every time).
 */
const KNOWN_KEYS = new Map<string, string>();
const MAX_KNOWN_KEYS = 4096;

function knownKey(key: string): string {
  const known = KNOWN_KEYS.get(key);
  if (known !== undefined) return known;
  if (KNOWN_KEYS.size < MAX_KNOWN_KEYS && key.length <= 64) KNOWN_KEYS.set(key, key);
  return key;
}

/** `dict[key] = v`, a key `__proto__` included as an own property (never the object's prototype). */
function setKey(dict: PyDict, key: string, v: PyValue): void {
  if (key === '__proto__') Object.defineProperty(dict, key, { value: v, enumerable: true, writable: true, configurable: true });
  else dict[key] = v;
}

/** A dict key as text: Python's str() of the simple key types, JSON for the rest. */
function keyText(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'None';
  if (k === true) return 'True';
  if (k === false) return 'False';
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  return JSON.stringify(k, (_, v: unknown) =>
    typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
  );
}

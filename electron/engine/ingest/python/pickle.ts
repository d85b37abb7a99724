// A pickle reader for data only, protocols 0–5: what Python's logging.handlers.SocketHandler and
// DatagramHandler send (`pickle.dumps(record.__dict__, 1)`). It interprets the opcodes that build
// dicts, lists, tuples, sets, strings, bytes, numbers, booleans and None (with the memo, MARK, FRAME
// and PROTO), and refuses every opcode that would name or call code (GLOBAL, STACK_GLOBAL, REDUCE,
// BUILD, INST, OBJ, NEWOBJ, PERSID, EXT…) with a reason. Nothing in a pickle is ever looked up or
// called: the one exception is the fixed spelling protocols 0–2 use for bytes, bytearray, set and
// frozenset (`_codecs.encode(s, 'latin1')`, `builtins.set(list)`…), which is recognised as data and
// built here. Bounded: input length, stack depth, memo size and the number of elements.

/** A Python value as the reader builds it: dicts as null-prototype objects (keys as text), tuples and sets as arrays. */
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
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  /** Values on all the stacks and marks: bounded by maxStack. */
  let depth = 0;
  /** Each container's nesting level (1: holds no container), bounded by maxDepth. */
  const levels = new WeakMap<object, number>();
  const levelOf = (v: PyValue): number => (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? (levels.get(v) ?? 1) : 0);
  /** Note that `container` now holds `item`. */
  const holds = (container: PyValue[] | PyDict, item: PyValue): void => {
    const level = levelOf(item) + 1;
    if (level > (levels.get(container) ?? 1)) {
      if (level > limits.maxDepth) throw new PickleError('limit', `nested deeper than ${limits.maxDepth}`);
      levels.set(container, level);
    }
  };
  const memo = new Map<number, StackItem>();
  let elements = 0;

  const malformed = (what: string): never => {
    throw new PickleError('malformed', `${what} at byte ${pos}`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > buf.length) malformed('the pickle ends early');
  };
  const count = (n: number): void => {
    elements += n;
    if (elements > limits.maxElements) throw new PickleError('limit', `more than ${limits.maxElements} elements`);
  };
  const push = (v: StackItem): void => {
    if (depth >= limits.maxStack) throw new PickleError('limit', `more than ${limits.maxStack} values on the stack`);
    stack.push(v);
    depth++;
  };
  const pop = (): StackItem => {
    if (stack.length === 0) malformed('a value was expected on the stack');
    depth--;
    return stack.pop()!;
  };
  const top = (): StackItem => {
    if (stack.length === 0) malformed('a value was expected on the stack');
    return stack[stack.length - 1]!;
  };
  const popMark = (): StackItem[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) malformed('no MARK before this opcode');
    stack = prev!;
    depth -= items.length + 1;
    return items;
  };
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    if (end === -1) malformed('a text argument has no newline');
    const text = buf.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  const bytesOf = (n: number): Buffer => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(pos);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = buf.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(buf.length)) malformed('a length is past the end of the pickle');
    return Number(v);
  };
  const value = (v: StackItem, what: string): PyValue => {
    if (v instanceof ConstructorRef) malformed(`${v.name} used as ${what}`);
    return v as PyValue;
  };
  const dictOf = (v: StackItem): PyDict => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof ConstructorRef)
      malformed('a dict was expected');
    return v as PyDict;
  };
  const listOf = (v: StackItem): PyValue[] => {
    if (!Array.isArray(v)) malformed('a list was expected');
    return v as PyValue[];
  };
  const setItems = (dict: PyDict, items: StackItem[]): void => {
    if (items.length % 2 !== 0) malformed('a dict has a key without a value');
    count(items.length / 2);
    for (let i = 0; i < items.length; i += 2) {
      const v = value(items[i + 1]!, 'a value');
      holds(dict, v);
      dict[keyText(value(items[i]!, 'a key'))] = v;
    }
  };

  while (pos < buf.length) {
    const op = buf[pos++]!;
    switch (op) {
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length !== 0) malformed('STOP with a stack that is not one value');
        return value(stack[0]!, 'the result');
      case 0x80: // PROTO
        need(1);
        if (buf[pos]! > 5) malformed(`protocol ${buf[pos]} is not known`);
        pos++;
        break;
      case 0x95: // FRAME: a length hint; the bytes follow as usual
        u64();
        break;
      case 0x28: // MARK
        if (depth >= limits.maxStack) throw new PickleError('limit', `more than ${limits.maxStack} values on the stack`);
        metastack.push(stack);
        stack = [];
        depth++;
        break;
      case 0x30: // POP
        if (stack.length > 0) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x49: {
        // INT (text); I01/I00 are True/False in protocol 0
        const text = line();
        if (text === '01') push(true);
        else if (text === '00') push(false);
        else push(integerOf(text) ?? malformed(`INT ${JSON.stringify(text)}`));
        break;
      }
      case 0x4c: {
        // LONG (text, an optional L suffix)
        const text = line();
        push(integerOf(text.endsWith('L') ? text.slice(0, -1) : text) ?? malformed(`LONG ${JSON.stringify(text)}`));
        break;
      }
      case 0x4a: // BININT
        need(4);
        push(buf.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        need(1);
        push(buf[pos++]!);
        break;
      case 0x4d: // BININT2
        need(2);
        push(buf.readUInt16LE(pos));
        pos += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1);
        const n = buf[pos++]!;
        push(littleEndianSigned(bytesOf(n)));
        break;
      }
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 64) throw new PickleError('limit', `an integer of ${n} bytes`);
        push(littleEndianSigned(bytesOf(n)));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const text = line();
        const n = Number(text);
        push(Number.isNaN(n) && text.toLowerCase() !== 'nan' ? malformed(`FLOAT ${JSON.stringify(text)}`) : n);
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x53: // STRING (a quoted Python 2 str)
        push(unquotePy2(line()) ?? malformed('STRING is not quoted'));
        break;
      case 0x54: // BINSTRING
        push(bytesOf(u32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        need(1);
        push(bytesOf(buf[pos++]!).toString('latin1'));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        push(rawUnicodeEscape(line()));
        break;
      case 0x58: // BINUNICODE
        push(bytesOf(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        need(1);
        push(bytesOf(buf[pos++]!).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        push(bytesOf(u64()).toString('utf8'));
        break;
      case 0x42: // BINBYTES
        push(Uint8Array.from(bytesOf(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        need(1);
        push(Uint8Array.from(bytesOf(buf[pos++]!)));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(Uint8Array.from(bytesOf(u64())));
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
      case 0x8f: // EMPTY_SET
        push([]);
        break;
      case 0x7d: // EMPTY_DICT
        push(Object.create(null) as PyDict);
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
      case 0x91: {
        // FROZENSET
        const items = popMark().map((v) => value(v, 'an element'));
        count(items.length);
        for (const v of items) holds(items, v);
        push(items);
        break;
      }
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        if (stack.length < n) malformed('a tuple needs more values');
        const items = stack.splice(stack.length - n, n).map((v) => value(v, 'an element'));
        depth -= n;
        count(n);
        for (const v of items) holds(items, v);
        push(items);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const dict = Object.create(null) as PyDict;
        setItems(dict, items);
        push(dict);
        break;
      }
      case 0x61: {
        // APPEND
        const v = value(pop(), 'an element');
        count(1);
        const list = listOf(top());
        holds(list, v);
        list.push(v);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS (to a set: kept as a list)
        const items = popMark();
        count(items.length);
        const list = listOf(top());
        for (const item of items) {
          const v = value(item, 'an element');
          holds(list, v);
          list.push(v);
        }
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(dictOf(top()), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(dictOf(top()), items);
        break;
      }
      case 0x70: // PUT (text)
        memoPut(memo, Number(line()), top(), count);
        break;
      case 0x71: // BINPUT
        need(1);
        memoPut(memo, buf[pos++]!, top(), count);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(memo, u32(), top(), count);
        break;
      case 0x94: // MEMOIZE
        memoPut(memo, memo.size, top(), count);
        break;
      case 0x67: // GET (text)
        push(memoGet(memo, Number(line())) ?? malformed('GET of an unknown memo entry'));
        break;
      case 0x68: // BINGET
        need(1);
        push(memoGet(memo, buf[pos++]!) ?? malformed('BINGET of an unknown memo entry'));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(memo, u32()) ?? malformed('LONG_BINGET of an unknown memo entry'));
        break;
      case 0x63: {
        // GLOBAL: only the names old protocols use for bytes and sets
        const module = line();
        const name = line();
        push(constructorNamed(module, name, 'GLOBAL'));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') malformed('STACK_GLOBAL needs two strings');
        push(constructorNamed(module as string, name as string, 'STACK_GLOBAL'));
        break;
      }
      case 0x52: {
        // REDUCE: only of a recognised constructor, built here from its data
        const args = pop();
        const callable = pop();
        if (!(callable instanceof ConstructorRef))
          throw new PickleError('opcode', 'opcode REDUCE calls something: refused (only data is read)');
        push(construct(callable.name, args) ?? malformed(`${callable.name} with arguments it does not take`));
        break;
      }
      default: {
        const refused = REFUSED[op];
        if (refused !== undefined) throw new PickleError('opcode', `opcode ${refused} refused (only data is read)`);
        malformed(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
  return malformed('the pickle has no STOP');
}

function memoPut(memo: Map<number, StackItem>, index: number, v: StackItem, count: (n: number) => void): void {
  if (!Number.isInteger(index) || index < 0) throw new PickleError('malformed', 'a memo index is not a number');
  if (!memo.has(index)) count(1);
  memo.set(index, v);
}

function memoGet(memo: Map<number, StackItem>, index: number): StackItem | undefined {
  return memo.get(index);
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

const INTEGER_RE = /^[+-]?\d+$/;

/** A decimal integer as a number when it is exact, else a bigint; undefined when it is not one. */
function integerOf(text: string): number | bigint | undefined {
  if (!INTEGER_RE.test(text) || text.length > 200) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function littleEndianSigned(bytes: Buffer): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** Protocol 0's UNICODE argument: latin-1 text with \uXXXX and \UXXXXXXXX escapes. */
function rawUnicodeEscape(text: string): string {
  if (text.indexOf('\\') === -1) return text;
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u: string | undefined, U: string | undefined) =>
    String.fromCodePoint(parseInt(u ?? U ?? '0', 16)),
  );
}

const PY2_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Protocol 0's STRING argument: a Python 2 str literal in quotes. */
function unquotePy2(text: string): string | undefined {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) return undefined;
  return text
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) =>
      e[0] === 'x' && e.length === 3
        ? String.fromCharCode(parseInt(e.slice(1), 16))
        : /^[0-7]+$/.test(e)
          ? String.fromCharCode(parseInt(e, 8))
          : (PY2_ESCAPES[e] ?? `\\${e}`),
    );
}

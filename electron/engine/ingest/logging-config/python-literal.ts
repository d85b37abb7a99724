// The Python literals a logging.conf's `args=` and `kwargs=` hold — `('logs/app.log', 'a')`,
// `(sys.stderr,)`, `{'maxBytes': 1048576}` — read without evaluating anything: strings, numbers,
// None/True/False, tuples, lists, dicts; a name (`sys.stdout`, `ext://…`) is kept as a name and a
// call is refused (fileConfig would `eval` it; Loupe only reads the file names out).

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue } | { name: string };

export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  function value(): PyValue {
    ws();
    const c = text[i];
    if (c === undefined) throw new PyLiteralError('the value ends too early', i);
    if (c === '(' || c === '[') return sequence(c === '(' ? ')' : ']');
    if (c === '{') return dict();
    if (c === '"' || c === "'" || ((c === 'r' || c === 'u' || c === 'b') && (text[i + 1] === '"' || text[i + 1] === "'"))) return str();
    const num = /^-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/.exec(text.slice(i));
    if (num !== null) {
      i += num[0].length;
      return Number(num[0]);
    }
    const name = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (name !== null) {
      i += name[0].length;
      ws();
      if (text[i] === '(')
        throw new PyLiteralError(`${name[0]}(…) is a call: Loupe reads literals only (write the file name as a string)`, i);
      if (name[0] === 'None') return null;
      if (name[0] === 'True') return true;
      if (name[0] === 'False') return false;
      return { name: name[0] };
    }
    throw new PyLiteralError(`unexpected "${c}"`, i);
  }
  function str(): string {
    let raw = false;
    if (text[i] === 'r') raw = true;
    if (text[i] !== '"' && text[i] !== "'") i++;
    const quote = text[i]!;
    const start = i;
    i++;
    let out = '';
    while (i < text.length && text[i] !== quote) {
      const c = text[i]!;
      if (c === '\\' && !raw) {
        const n = text[i + 1] ?? '';
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    if (i >= text.length) throw new PyLiteralError('a string is not closed', start);
    i++;
    ws();
    // Adjacent literals concatenate, as in Python.
    if (text[i] === '"' || text[i] === "'") out += str();
    return out;
  }
  function sequence(close: string): PyValue[] {
    i++;
    const out: PyValue[] = [];
    for (;;) {
      ws();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value());
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== close) throw new PyLiteralError(`expected "," or "${close}"`, i);
    }
  }
  function dict(): { [key: string]: PyValue } {
    i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      const key = value();
      ws();
      if (text[i] !== ':') throw new PyLiteralError('expected ":" after a key', i);
      i++;
      out[typeof key === 'string' ? key : JSON.stringify(key)] = value();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') throw new PyLiteralError('expected "," or "}"', i);
    }
  }
  const v = value();
  ws();
  if (i < text.length) throw new PyLiteralError(`unexpected "${text[i]}" after the value`, i);
  return v;
}

// PromQL text → our AST (ast.ts). lezer-promql (the grammar of Prometheus's own UI) does the
// syntax; this file converts its concrete tree, unquotes strings, reads numbers and durations,
// compiles regexes and checks types the way Prometheus's parser does, so a bad query fails here
// with a position and a message rather than halfway through evaluation.
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import type {
  AggregateOp,
  AtModifier,
  BinaryOp,
  Cardinality,
  Expr,
  PosRange,
  Subquery,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { COMPARISON_OPS, SET_OPS } from './ast.js';
import { newMatcher, matchesEmpty, type LabelMatcher, type MatchType } from './matchers.js';
import { documentedType, FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './signatures.js';

/** A query Loupe cannot run, with where in the text it went wrong. */
export class PromQLParseError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: PosRange,
    query: string,
  ) {
    const before = query.slice(0, pos.start);
    const line = before.split('\n').length;
    const col = pos.start - (before.lastIndexOf('\n') + 1) + 1;
    super(`${line}:${col}: parse error: ${reason}`);
    this.name = 'PromQLParseError';
  }
}

class Fail extends Error {
  constructor(
    readonly reason: string,
    readonly pos: PosRange,
  ) {
    super(reason);
  }
}

function fail(reason: string, node: { from: number; to: number } | PosRange): never {
  const pos = 'from' in node ? { start: node.from, end: node.to } : node;
  throw new Fail(reason, pos);
}

export function parseExpr(query: string): Expr {
  try {
    const tree = parser.parse(query);
    const top = tree.topNode;
    const error = firstError(top);
    if (error) syntaxError(query, error);
    const child = top.firstChild;
    if (!child) fail('no expression found in input', { start: 0, end: query.length });
    return new Converter(query).expr(child);
  } catch (e) {
    if (e instanceof Fail) throw new PromQLParseError(e.reason, e.pos, query);
    throw e;
  }
}

function firstError(node: SyntaxNode): SyntaxNode | undefined {
  const cursor = node.cursor();
  do {
    if (cursor.type.isError) return cursor.node;
  } while (cursor.next());
  return undefined;
}

function syntaxError(query: string, error: SyntaxNode): never {
  const at = error.from;
  const rest = query.slice(at);
  // lezer has no rule for an unknown name followed by "(": it reads a selector and stumbles there.
  const call = /([A-Za-z_:][A-Za-z0-9_:]*)\s*$/.exec(query.slice(0, at));
  if (call && /^\s*\(/.test(rest)) {
    const name = call[1]!;
    if (UNSUPPORTED_FUNCTIONS.has(name)) fail(`function ${name} is not supported`, { start: call.index, end: at });
    fail(`unknown function with name "${name}"`, { start: call.index, end: at });
  }
  const token = /^\s*(\S+)/.exec(rest)?.[1];
  if (token === undefined) fail('unexpected end of input', { start: query.length, end: query.length });
  const start = at + rest.indexOf(token);
  fail(`unexpected ${JSON.stringify(token.slice(0, 20))}`, { start, end: start + token.length });
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = [365 * 86400_000, 7 * 86400_000, 86400_000, 3600_000, 60_000, 1000, 1];

/** Milliseconds of a Prometheus duration like `1h30m`, or undefined if `text` is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text);
  if (!m || text === '') return undefined;
  let ms = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * DURATION_UNITS[i]!;
  return ms;
}

/** A PromQL number: decimal, hex, Inf/NaN (any case) or a duration read as seconds. */
export function parseNumber(text: string): number | undefined {
  const t = text.replace(/[_\s]/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return sign * Infinity;
  if (lower === 'nan') return NaN;
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * parseInt(body.slice(2), 16);
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(body)) return sign * Number(body);
  const ms = parseDuration(body);
  return ms === undefined ? undefined : (sign * ms) / 1000;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** Go-style string literal ("…", '…' with escapes, `…` raw) → its value. */
export function unquote(text: string, pos: PosRange): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) fail('unterminated quoted string', pos);
  const body = text.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[++i] ?? '';
    if (e in ESCAPES) out += ESCAPES[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(`invalid escape sequence \\${e}${hex}`, pos);
      out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) fail(`invalid escape sequence \\${oct}`, pos);
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else fail(`unknown escape sequence \\${e}`, pos);
  }
  return out;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Gte: '>=',
  Gtr: '>',
  Lte: '<=',
  Lss: '<',
  Neq: '!=',
  And: 'and',
  Unless: 'unless',
  Or: 'or',
};
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };
const AGGREGATE_OPS: Record<string, AggregateOp> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Group: 'group',
  Stddev: 'stddev',
  Stdvar: 'stdvar',
  Topk: 'topk',
  Bottomk: 'bottomk',
  Quantile: 'quantile',
  CountValues: 'count_values',
};

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTIONS.get(e.func)!.returns;
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(e.expr);
  }
}

class Converter {
  constructor(private readonly query: string) {}

  private text(n: SyntaxNode): string {
    return this.query.slice(n.from, n.to);
  }

  expr(n: SyntaxNode): Expr {
    const pos = { start: n.from, end: n.to };
    const kids = children(n);
    switch (n.name) {
      case 'NumberDurationLiteral': {
        const value = parseNumber(this.text(n));
        if (value === undefined) fail(`bad number or duration syntax: ${JSON.stringify(this.text(n))}`, n);
        return { kind: 'number', value, pos };
      }
      case 'StringLiteral':
        return { kind: 'string', value: unquote(this.text(n), pos), pos };
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(kids[0]!), pos };
      case 'VectorSelector':
        return this.vectorSelector(n, kids);
      case 'MatrixSelector': {
        const inner = this.expr(kids[0]!);
        if (inner.kind !== 'vectorSelector') fail('ranges only allowed for vector selectors', n);
        if (inner.offsetMs !== 0) fail('no offset modifiers allowed before range', n);
        if (inner.at) fail('no @ modifiers allowed before range', n);
        return { kind: 'matrixSelector', selector: inner, rangeMs: this.duration(kids[1]!), pos };
      }
      case 'SubqueryExpr': {
        const inner = this.expr(kids[0]!);
        if (typeOf(inner) !== 'vector') fail(`subquery is only allowed on instant vector, got ${typeOf(inner)} instead`, n);
        const rangeMs = this.duration(kids[1]!);
        const stepMs = kids[2] ? this.duration(kids[2]) : undefined;
        return { kind: 'subquery', expr: inner, rangeMs, stepMs, offsetMs: 0, at: undefined, pos };
      }
      case 'OffsetExpr':
        return this.offset(this.expr(kids[0]!), this.duration(kids[2]!), pos);
      case 'StepInvariantExpr':
        return this.at(this.expr(kids[0]!), kids[2]!, pos);
      case 'UnaryExpr': {
        const op = this.text(kids[0]!) as '-' | '+';
        const inner = this.expr(kids[1]!);
        const t = typeOf(inner);
        if (t !== 'scalar' && t !== 'vector') {
          fail(`unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`, n);
        }
        if (inner.kind === 'number') return { kind: 'number', value: op === '-' ? -inner.value : inner.value, pos };
        return { kind: 'unary', op, expr: inner, pos };
      }
      case 'FunctionCall':
        return this.call(n, kids);
      case 'AggregateExpr':
        return this.aggregate(n, kids);
      case 'BinaryExpr':
        return this.binary(n, kids);
      default:
        fail(`${n.name} is not supported`, n);
    }
  }

  private labelName(n: SyntaxNode): string {
    return n.name === 'QuotedLabelName' ? unquote(this.text(n), { start: n.from, end: n.to }) : this.text(n);
  }

  private vectorSelector(n: SyntaxNode, kids: SyntaxNode[]): VectorSelector {
    let name: string | undefined;
    const matchers: LabelMatcher[] = [];
    for (const k of kids) {
      if (k.name === 'Identifier') name = this.text(k);
      else if (k.name === 'LabelMatchers') {
        for (const m of children(k)) {
          if (m.name === 'QuotedLabelName') {
            if (name !== undefined) fail('metric name must not be set twice', m);
            name = this.labelName(m);
            continue;
          }
          const [label, op, value] = children(m);
          const matchType = MATCH_OPS[children(op!)[0]!.name]!;
          try {
            const text = unquote(this.text(value!), { start: value!.from, end: value!.to });
            matchers.push(newMatcher(matchType, this.labelName(label!), text));
          } catch (e) {
            if (e instanceof Fail) throw e;
            fail((e as Error).message, m);
          }
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__')) fail('metric name must not be set twice', n);
      matchers.unshift(newMatcher('=', '__name__', name));
    } else {
      const eqName = matchers.find((m) => m.name === '__name__' && m.type === '=');
      name = eqName?.value;
    }
    if (matchers.every(matchesEmpty)) fail('vector selector must contain at least one non-empty matcher', n);
    return { kind: 'vectorSelector', name, matchers, offsetMs: 0, at: undefined, pos: { start: n.from, end: n.to } };
  }

  /** A duration in brackets or after `offset`: a duration literal or a number of seconds. */
  private duration(n: SyntaxNode): number {
    const kids = children(n);
    if (kids.length === 1 && kids[0]!.name === 'NumberDurationLiteralInDurationContext') {
      const text = this.text(kids[0]!);
      const ms = parseDuration(text) ?? (parseNumber(text) ?? NaN) * 1000;
      if (!Number.isFinite(ms)) fail(`invalid duration ${JSON.stringify(text)}`, n);
      return Math.round(ms);
    }
    if (n.name === 'OffsetDurationExpr' && kids.length === 2 && kids[0]!.name === 'UnaryOp') {
      const sign = this.text(kids[0]!) === '-' ? -1 : 1;
      return sign * this.duration(kids[1]!);
    }
    fail(`duration expressions are not supported: ${JSON.stringify(this.text(n))}`, n);
  }

  private modifiable(
    e: Expr,
    what: string,
    pos: PosRange,
  ): VectorSelector | Subquery | { kind: 'matrixSelector'; selector: VectorSelector } {
    if (e.kind === 'vectorSelector' || e.kind === 'subquery' || e.kind === 'matrixSelector') return e;
    fail(`${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`, pos);
  }

  /**
   * lezer's grammar lets `a + b offset 5m` and `-a @ 100` bind the modifier to the whole expression
   * on its left; in PromQL it belongs to the operand right before it.
   */
  private pushDown(e: Expr, apply: (operand: Expr) => Expr): Expr {
    if (e.kind === 'binary') return { ...e, rhs: this.pushDown(e.rhs, apply) };
    if (e.kind === 'unary') return { ...e, expr: this.pushDown(e.expr, apply) };
    return apply(e);
  }

  private offset(e: Expr, offsetMs: number, pos: PosRange): Expr {
    if (e.kind === 'binary' || e.kind === 'unary') return this.pushDown(e, (x) => this.offset(x, offsetMs, pos));
    const target = this.modifiable(e, 'offset', pos);
    if (target.kind === 'matrixSelector') {
      if (target.selector.offsetMs !== 0) fail('offset may not be set multiple times', pos);
      return { ...e, selector: { ...target.selector, offsetMs }, pos } as Expr;
    }
    if (target.offsetMs !== 0) fail('offset may not be set multiple times', pos);
    return { ...target, offsetMs, pos };
  }

  private at(e: Expr, n: SyntaxNode, pos: PosRange): Expr {
    let at: AtModifier;
    if (n.name === 'AtModifierPreprocessors') at = { kind: children(n)[0]!.name === 'AtStart' ? 'start' : 'end' };
    else {
      const sec = parseNumber(this.text(n));
      if (sec === undefined || !Number.isFinite(sec)) fail('timestamp out of bounds for @ modifier', n);
      at = { kind: 'time', ms: Math.round(sec * 1000) };
    }
    if (e.kind === 'binary' || e.kind === 'unary') return this.pushDown(e, (x) => this.applyAt(x, at, pos));
    return this.applyAt(e, at, pos);
  }

  private applyAt(e: Expr, at: AtModifier, pos: PosRange): Expr {
    const target = this.modifiable(e, '@', pos);
    if (target.kind === 'matrixSelector') {
      if (target.selector.at) fail('@ <timestamp> may not be set multiple times', pos);
      return { ...e, selector: { ...target.selector, at }, pos } as Expr;
    }
    if (target.at) fail('@ <timestamp> may not be set multiple times', pos);
    return { ...target, at, pos };
  }

  private callArgs(n: SyntaxNode): Expr[] {
    return children(n)
      .filter((k) => k.name !== '(' && k.name !== ')' && k.name !== ',')
      .map((k) => this.expr(k));
  }

  private call(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    const func = this.text(kids[0]!);
    const sig = FUNCTIONS.get(func);
    if (!sig) fail(`function ${func} is not supported`, kids[0]!);
    const args = this.callArgs(kids[1]!);
    const min = sig.optional === -1 ? sig.args.length - 1 : sig.args.length - sig.optional;
    const max = sig.optional === -1 ? Infinity : sig.args.length;
    if (args.length < min || args.length > max) {
      const expected = min === max ? `expected ${min}` : args.length < min ? `expected at least ${min}` : `expected at most ${max}`;
      fail(`${expected} argument(s) in call to "${func}", got ${args.length}`, n);
    }
    args.forEach((arg, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)]!;
      const got = typeOf(arg);
      if (want !== got) fail(`expected type ${documentedType(want)} in call to function "${func}", got ${documentedType(got)}`, arg.pos);
    });
    return { kind: 'call', func, args, pos: { start: n.from, end: n.to } };
  }

  private grouping(n: SyntaxNode): string[] {
    return children(n)
      .filter((k) => k.name === 'LabelName' || k.name === 'QuotedLabelName')
      .map((k) => this.labelName(k));
  }

  private aggregate(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    const opNode = children(kids[0]!)[0]!;
    const op = AGGREGATE_OPS[opNode.name];
    if (!op) fail(`aggregation ${this.text(opNode)} is not supported`, opNode);
    const modifier = kids.find((k) => k.name === 'AggregateModifier');
    const body = kids.find((k) => k.name === 'FunctionCallBody')!;
    const args = this.callArgs(body);
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = needsParam ? 2 : 1;
    if (args.length === 0) fail('no arguments for aggregate expression provided', n);
    if (args.length !== want) fail(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`, n);
    const expr = args[want - 1]!;
    const param = needsParam ? args[0] : undefined;
    if (typeOf(expr) !== 'vector')
      fail(`expected type instant vector in aggregation expression, got ${documentedType(typeOf(expr))}`, expr.pos);
    if (param) {
      const paramType = op === 'count_values' ? 'string' : 'scalar';
      if (typeOf(param) !== paramType)
        fail(`expected type ${paramType} in aggregation parameter, got ${documentedType(typeOf(param))}`, param.pos);
    }
    let grouping: string[] = [];
    let without = false;
    if (modifier) {
      const [kind, labels] = children(modifier);
      without = kind!.name === 'Without';
      grouping = this.grouping(labels!);
    }
    return { kind: 'aggregate', op, expr, param, grouping, without, pos: { start: n.from, end: n.to } };
  }

  private binary(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    const lhs = this.expr(kids[0]!);
    const rhs = this.expr(kids[kids.length - 1]!);
    const opNode = kids[1]!;
    const op = BINARY_OPS[opNode.name];
    if (!op) fail(`operator ${this.text(opNode)} is not supported`, opNode);
    const returnBool = kids.some((k) => k.name === 'BoolModifier');
    if (kids.some((k) => k.name === 'FillModifier')) fail('fill modifiers are not supported', n);
    const clause = kids.find((k) => k.name === 'MatchingModifierClause');
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    const pos = { start: n.from, end: n.to };
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      fail('binary expression must contain only scalar and instant vector types', pos);
    }
    const isSet = SET_OPS.has(op);
    if (returnBool && !COMPARISON_OPS.has(op)) fail('bool modifier can only be used on comparison operators', pos);
    if (COMPARISON_OPS.has(op) && !returnBool && lt === 'scalar' && rt === 'scalar')
      fail('comparisons between scalars must use BOOL modifier', pos);
    if (isSet && (lt === 'scalar' || rt === 'scalar')) fail(`set operator "${op}" not allowed in binary scalar expression`, pos);
    let matching: VectorMatching | undefined;
    if (clause) {
      if (lt !== 'vector' || rt !== 'vector') fail('vector matching only allowed between instant vectors', pos);
      const parts = children(clause);
      const on = parts[0]!.name === 'On';
      const labels = this.grouping(parts[1]!);
      let card: Cardinality = isSet ? 'many-to-many' : 'one-to-one';
      let include: string[] = [];
      const group = parts[2];
      if (group) {
        if (isSet) fail(`no grouping allowed for "${op}" operation`, pos);
        card = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        if (parts[3]) include = this.grouping(parts[3]);
        for (const l of include) if (on && labels.includes(l)) fail(`label "${l}" must not occur in ON and GROUP clause at once`, pos);
      }
      matching = { card, on, labels, include };
    } else if (lt === 'vector' && rt === 'vector') {
      matching = { card: isSet ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, matching, pos };
  }
}

// Tokens → QueryAst. Precedence, loosest first: OR, then AND (also implied between terms), then
// the '-' (or NOT) of an exclusion. `a b OR c` is `(a AND b) OR c`.
import type { CompareOp, QueryAst, ValueMatch } from './ast.js';
import { MATCH_ALL } from './ast.js';
import { NUMBER_VALUE_RE } from './attributes.js';
import { QuerySyntaxError } from './errors.js';
import { lex, type RawTerm, type Token } from './lexer.js';
import { LEVEL_NAMES_HELP, MAX_LEVEL_INDEX, levelIndexOfName } from './levels.js';
import { tokenize } from './text.js';

const BUILT_IN_FIELDS = new Set(['level', 'logger', 'service', 'source', 'trace', 'span', 'group', 'pattern']);

type TermToken = Extract<Token, { type: 'term' }>;

function textNode(text: string, prefix: boolean): QueryAst {
  const tokens = tokenize(text);
  // Nothing the index can find ("->", "=="): fall back to the literal text in the message.
  return tokens.length === 0 ? { kind: 'substring', value: text } : { kind: 'text', tokens, prefix };
}

function valueMatch(value: string): ValueMatch {
  if (value === '*') return { kind: 'exists' };
  if (value.includes('*')) return { kind: 'glob', value };
  return { kind: 'equals', value };
}

function levelNode(term: Extract<RawTerm, { kind: 'field' }>, token: TermToken): QueryAst {
  if (term.value === '*' && term.op === null) return MATCH_ALL;
  const orWorse = term.value.endsWith('+');
  const name = orWorse ? term.value.slice(0, -1) : term.value;
  const index = levelIndexOfName(name);
  if (index === undefined) {
    throw new QuerySyntaxError(`Unknown level "${name}". Levels are ${LEVEL_NAMES_HELP}.`, term.valuePos, term.valueLength);
  }
  if (orWorse && term.op !== null) {
    throw new QuerySyntaxError(`Use either level:${name}+ or level:${term.op}${name}, not both.`, token.pos, token.length);
  }
  if (orWorse) return { kind: 'level', min: index, max: MAX_LEVEL_INDEX };
  switch (term.op) {
    case null:
    case '=':
      return { kind: 'level', min: index, max: index };
    case '>=':
      return { kind: 'level', min: index, max: MAX_LEVEL_INDEX };
    case '>':
      return { kind: 'level', min: index + 1, max: MAX_LEVEL_INDEX };
    case '<=':
      return { kind: 'level', min: 0, max: index };
    case '<':
      return { kind: 'level', min: 0, max: index - 1 };
  }
}

function fieldNode(term: Extract<RawTerm, { kind: 'field' }>, token: TermToken): QueryAst {
  const builtIn = term.name.toLowerCase();
  if (!term.name.startsWith('@') && BUILT_IN_FIELDS.has(builtIn)) {
    if (builtIn === 'level') return levelNode(term, token);
    if (term.op !== null) {
      throw new QuerySyntaxError(
        `${builtIn}: cannot be compared with ${term.op}; comparisons work on level and on numeric attributes.`,
        term.valuePos - term.op.length,
        term.op.length,
      );
    }
    if (builtIn === 'group' || builtIn === 'pattern') {
      if (!/^[1-9]\d{0,14}$/.test(term.value)) {
        const what = builtIn === 'group' ? 'an error group (the Errors view lists them)' : 'a log pattern (the Patterns panel lists them)';
        throw new QuerySyntaxError(`${builtIn}: takes the number of ${what}, e.g. ${builtIn}:12.`, term.valuePos, term.valueLength);
      }
      return { kind: builtIn, id: Number(term.value) };
    }
    if (builtIn === 'source') {
      return { kind: 'source', match: { kind: term.value.includes('*') ? 'glob' : 'substring', value: term.value } };
    }
    return { kind: 'field', field: builtIn as 'logger' | 'service' | 'trace' | 'span', match: valueMatch(term.value) };
  }
  const key = term.name.startsWith('@') ? term.name.slice(1) : term.name;
  if (term.op !== null) {
    if (!NUMBER_VALUE_RE.test(term.value)) {
      throw new QuerySyntaxError(
        `${key}:${term.op} compares numbers, and "${term.value}" is not a number.`,
        term.valuePos,
        term.valueLength,
      );
    }
    return { kind: 'attr', key, match: { kind: 'compare', op: term.op as CompareOp, value: Number(term.value) } };
  }
  return { kind: 'attr', key, match: valueMatch(term.value) };
}

function termNode(token: TermToken): QueryAst {
  const term = token.term;
  switch (term.kind) {
    case 'word':
      return textNode(term.text, true);
    case 'phrase':
      return textNode(term.text, false);
    case 'regex':
      return { kind: 'regex', source: term.source, flags: term.flags };
    case 'field':
      return fieldNode(term, token);
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private startsOperand(t: Token | undefined): boolean {
    return t !== undefined && (t.type === 'term' || t.type === 'lparen' || t.type === 'neg');
  }

  private fail(message: string, t: Token | undefined): never {
    if (t) throw new QuerySyntaxError(message, t.pos, t.length);
    throw new QuerySyntaxError(message, this.text.length, 0);
  }

  parse(): QueryAst {
    const ast = this.parseOr();
    const rest = this.peek();
    if (rest) this.fail('This ")" has no matching "(".', rest);
    return ast;
  }

  private parseOr(): QueryAst {
    const children = [this.parseAnd()];
    for (let t = this.peek(); t?.type === 'or'; t = this.peek()) {
      this.i++;
      if (!this.startsOperand(this.peek())) this.fail('OR needs a search term on both sides.', t);
      children.push(this.parseAnd());
    }
    return children.length === 1 ? (children[0] as QueryAst) : { kind: 'or', children: flatten('or', children) };
  }

  private parseAnd(): QueryAst {
    const children: QueryAst[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.type === 'and') {
        this.i++;
        if (children.length === 0 || !this.startsOperand(this.peek())) this.fail('AND needs a search term on both sides.', t);
        continue;
      }
      if (!this.startsOperand(t)) break;
      children.push(this.parseUnary());
    }
    if (children.length === 0) {
      const t = this.peek();
      if (t?.type === 'or') this.fail('OR needs a search term on both sides.', t);
      // Reached only for "()" or a query that starts with ")": parseOr's callers check the rest.
      this.fail(t?.type === 'rparen' ? 'This ")" has no matching "(".' : 'Expected a search term.', t);
    }
    return children.length === 1 ? (children[0] as QueryAst) : { kind: 'and', children: flatten('and', children) };
  }

  private parseUnary(): QueryAst {
    const t = this.peek() as Token;
    if (t.type === 'neg') {
      this.i++;
      const written = this.text.slice(t.pos, t.pos + t.length);
      if (!this.startsOperand(this.peek())) this.fail(`"${written}" must be followed by the term to exclude.`, t);
      return { kind: 'not', child: this.parseUnary() };
    }
    if (t.type === 'lparen') {
      this.i++;
      const inner = this.peek();
      if (inner?.type === 'rparen') {
        throw new QuerySyntaxError('These parentheses are empty.', t.pos, inner.pos + 1 - t.pos);
      }
      if (inner === undefined) this.fail('This "(" is never closed: add a ")".', t);
      const ast = this.parseOr();
      const close = this.peek();
      if (close?.type !== 'rparen') this.fail('This "(" is never closed: add a ")".', t);
      this.i++;
      return ast;
    }
    this.i++;
    return termNode(t as TermToken);
  }
}

function flatten(kind: 'and' | 'or', children: QueryAst[]): QueryAst[] {
  return children.flatMap((c) => (c.kind === kind ? c.children : [c]));
}

/** Parses a search; empty or blank text matches everything. Throws QuerySyntaxError. */
export function parseQuery(text: string): QueryAst {
  const tokens = lex(text);
  if (tokens.length === 0) return MATCH_ALL;
  return new Parser(text, tokens).parse();
}

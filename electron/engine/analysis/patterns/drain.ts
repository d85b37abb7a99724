// Drain-style template mining (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth
// Tree", ICWS 2017; the parameters of the drain3 package): a message's first line is split into
// tokens, the obvious variables masked with their type (<NUM>, <UUID>, <IP>, <HEX>, <DUR>), and the
// message joins the most similar template among those of the same token count and first token,
// when at least SIMILARITY of its tokens agree; tokens that differ become <*>. Otherwise it starts
// a template. The templates are capped: past `maxTemplates` the least recently matched is dropped
// (the caller is told, and counts it).

/** drain3's default sim_th: the share of tokens that must agree for a message to join a template. */
export const SIMILARITY = 0.4;
/** Tokens past this many are one `<…>` (rest of the line): a long message does not make a long key. */
export const MAX_TOKENS = 48;
export const WILDCARD = '<*>';
export const REST = '<…>';

const MASK_NAMES = ['<UUID>', '<IP>', '<HEX>', '<DUR>', '<NUM>'];
const MASK_IN_TOKEN_RE = /(<UUID>|<IP>|<HEX>|<DUR>|<NUM>)/;
// What a word with a digit in it may be, tried in this order on the whole word.
const WORD_MASKS: [RegExp, string][] = [
  [/^-?\d+(?:\.\d+)?$/, '<NUM>'],
  [/^\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)$/, '<DUR>'],
  [/^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$/, '<IP>'],
  [/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, '<UUID>'],
  [/^0x[0-9a-fA-F]+$|^(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}$/, '<HEX>'],
];
const DIGIT_RE = /\d/;

/** Letters, digits, `_`, `µ`, and the `.` `:` `-` inside versions, addresses and ids. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || c === 0xb5;
}

/**
 * The line with its variable words masked: one scan for words (runs of word characters; `/`, `=`,
 * `,`, quotes and brackets end them) and the anchored tests above on those that hold a digit. A
 * word's trailing `.`, `:` or `-` is punctuation (`port 8080.`). `user42`, `v1.2.3` stay words.
 */
function maskLine(line: string): string {
  let out = '';
  let copied = 0;
  const n = line.length;
  let i = 0;
  while (i < n) {
    if (!isWordChar(line.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (!isWordChar(c)) break;
      if (c >= 48 && c <= 57) digits++;
    }
    if (digits === 0) continue;
    let end = i;
    while (end > start + 1) {
      const c = line.charCodeAt(end - 1);
      if (c !== 46 && c !== 58 && c !== 45) break;
      end--;
    }
    let name: string | undefined;
    // The common case without a regex: a word of digits only.
    if (digits === end - start) name = '<NUM>';
    else {
      const word = line.slice(start, end);
      for (const [re, mask] of WORD_MASKS) {
        if (re.test(word)) {
          name = mask;
          break;
        }
      }
    }
    if (name !== undefined) {
      out += line.slice(copied, start) + name;
      copied = end;
    }
  }
  return copied === 0 ? line : out + line.slice(copied);
}

/** ASCII whitespace: what separates tokens (the template regex's separator matches the same). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * The tokens of a message's first line, variables masked: one scan that cuts the tokens and notes
 * which hold a digit (most hold none and are taken as they are); only those are masked.
 */
export function tokensOf(message: string): string[] {
  const nl = message.indexOf('\n');
  const n = nl === -1 ? message.length : nl;
  const tokens: string[] = [];
  let i = 0;
  while (i < n) {
    if (isSpace(message.charCodeAt(i))) {
      i++;
      continue;
    }
    if (tokens.length === MAX_TOKENS) {
      tokens.push(REST);
      break;
    }
    const start = i;
    let digit = false;
    for (; i < n; i++) {
      const c = message.charCodeAt(i);
      if (isSpace(c)) break;
      if (c >= 48 && c <= 57) digit = true;
    }
    const token = message.slice(start, i);
    tokens.push(digit ? maskLine(token) : token);
  }
  return tokens;
}

export function isVariable(token: string): boolean {
  return token === WILDCARD || MASK_NAMES.includes(token);
}

/**
 * An RE2 pattern that matches the first line of every message the template took (a variable is
 * one token, `<…>` the rest of the line): what the `pattern:` search term runs.
 */
export function templateRegex(tokens: readonly string[]): string {
  const parts = tokens.map((t) => {
    if (t === REST) return '.*';
    if (isVariable(t)) return '\\S+';
    // A mask inside a token (`<NUM>%`, `id=<HEX>`): the part it stood for, the rest literally.
    return t
      .split(MASK_IN_TOKEN_RE)
      .map((part, i) => (i % 2 === 1 ? '\\S+?' : part.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')))
      .join('');
  });
  return `^\\s*${parts.join('[ \\t\\f\\v\\r]+')}[ \\t\\f\\v\\r]*(?:\\n|$)`;
}

export interface Template {
  id: number;
  tokens: string[];
}

export interface MineResult<T extends Template> {
  template: T;
  /** The message started the template. */
  created: boolean;
  /** The template was generalised (a token became <*>). */
  changed: boolean;
  /** A template dropped to make room (least recently matched), if any. */
  evicted?: T;
}

/**
 * The tree's first levels: the token count, then the first token (a variable one as <*>). Drain
 * also keys on the second token; that splits `user alice logged in` from `user bob logged in`
 * for good, since a name has no digit to mark it variable (the labelled sample: 0.88 → 1.0).
 */
function leafKey(tokens: readonly string[]): string {
  const a = tokens[0] ?? '';
  return `${tokens.length}\u0000${DIGIT_RE.test(a) || isVariable(a) ? WILDCARD : a}`;
}

export class Drain<T extends Template> {
  private readonly leaves = new Map<string, T[]>();
  /** Every template, least recently matched first (a Map keeps insertion order; a match re-inserts). */
  private readonly recency = new Map<number, T>();

  constructor(
    readonly maxTemplates: number,
    /** Makes the template for a new message (the caller gives it its id and fields). */
    private readonly create: (tokens: string[]) => T,
  ) {}

  get size(): number {
    return this.recency.size;
  }

  /** A template known from before (restored at start), matched as any other. */
  add(template: T): T | undefined {
    this.insert(template);
    return this.evictIfFull();
  }

  mine(message: string): MineResult<T> | undefined {
    const tokens = tokensOf(message);
    if (tokens.length === 0) return undefined;
    const key = leafKey(tokens);
    const found = this.bestMatch(this.leaves.get(key), tokens);
    if (found) {
      let changed = false;
      const t = found.tokens;
      for (let i = 0; i < t.length; i++) {
        if (t[i] !== tokens[i] && t[i] !== WILDCARD) {
          t[i] = WILDCARD;
          changed = true;
        }
      }
      this.recency.delete(found.id);
      this.recency.set(found.id, found);
      return { template: found, created: false, changed };
    }
    const template = this.create(tokens);
    this.insert(template);
    const evicted = this.evictIfFull();
    return { template, created: true, changed: false, ...(evicted ? { evicted } : {}) };
  }

  /** The template a message would join, without learning from it (for counting a search's matches). */
  match(message: string): T | undefined {
    const tokens = tokensOf(message);
    return tokens.length === 0 ? undefined : this.bestMatch(this.leaves.get(leafKey(tokens)), tokens);
  }

  get(id: number): T | undefined {
    return this.recency.get(id);
  }

  private bestMatch(candidates: T[] | undefined, tokens: readonly string[]): T | undefined {
    if (!candidates) return undefined;
    let best: T | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of candidates) {
      let same = 0;
      let params = 0;
      const t = c.tokens;
      for (let i = 0; i < t.length; i++) {
        const token = t[i];
        if (token === WILDCARD) params++;
        else if (token === tokens[i]) same++;
      }
      const sim = same / t.length;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best !== undefined && bestSim >= SIMILARITY ? best : undefined;
  }

  private insert(template: T): void {
    const key = leafKey(template.tokens);
    const leaf = this.leaves.get(key);
    if (leaf) leaf.push(template);
    else this.leaves.set(key, [template]);
    this.recency.set(template.id, template);
  }

  private evictIfFull(): T | undefined {
    if (this.recency.size <= this.maxTemplates) return undefined;
    const oldest = this.recency.values().next().value as T;
    this.recency.delete(oldest.id);
    const key = leafKey(oldest.tokens);
    const leaf = this.leaves.get(key) ?? [];
    const rest = leaf.filter((t) => t !== oldest);
    if (rest.length > 0) this.leaves.set(key, rest);
    else this.leaves.delete(key);
    return oldest;
  }
}

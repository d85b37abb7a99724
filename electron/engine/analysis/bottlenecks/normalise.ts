// What makes two calls "the same call" for the bottlenecks: a database statement with its literals
// replaced by `?` (strings, numbers, hex and blobs, IN-lists and multi-row VALUES collapsed, driver
// placeholders and comments such as sqlcommenter's out), or, without a statement, the operation and
// the collection; an HTTP client call as its method and its URL template, route, or host + path
// with the ids taken out. The keys group slow queries and find N+1 repetitions.
import type { AttrValue } from '../../core/telemetry.js';

type Attrs = Readonly<Record<string, AttrValue>>;

/**
 * One pass over the statement, so a quote inside a comment or a digit inside a quoted identifier is
 * read for what it is: `'…'` (with `''` escapes) strings, `X'…'` blobs, `0x…` hex, numbers not glued
 * to a name, `$1`/`%s`/`%(name)s`/`:name` placeholders; `"…"` and `` `…` `` identifiers kept.
 */
const TOKENS =
  /(\/\*[\s\S]*?\*\/|--[^\n]*)|([xX]'[0-9a-fA-F]*')|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?|`[^`]*`?)|(\b0[xX][0-9a-fA-F]+\b)|(\$\d+|%\([^)]*\)s|%s|(?<![:\w]):[a-zA-Z_]\w*)|((?<![\w.$])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w]))/g;

/** `(?, ?, ?)` → `(?)`: a list's length is no part of the statement's identity. */
const LIST = /\(\s*\?(?:\s*,\s*\?)*\s*\)/g;
/** `VALUES (?), (?), (?)` → `VALUES (?)`: neither is the number of rows inserted at once. */
const ROWS = /\(\?\)(?:\s*,\s*\(\?\))+/g;

/**
 * Statements already normalised: instrumentations mostly record the statement with its driver
 * placeholders (the values are not in it), so the same texts come back call after call. Bounded
 * in entries and in the length of what it keeps.
 */
const known = new Map<string, string>();
const KNOWN_MAX = 10_000;
const KNOWN_MAX_LENGTH = 2_000;

/** A statement with its literals as `?`, comments out and white space collapsed. */
export function normaliseStatement(statement: string): string {
  const seen = known.get(statement);
  if (seen !== undefined) return seen;
  const normalised = normalise(statement);
  if (statement.length <= KNOWN_MAX_LENGTH) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(statement, normalised);
  }
  return normalised;
}

function normalise(statement: string): string {
  const replaced = statement.replace(TOKENS, (match, comment?: string, _blob?: string, _string?: string, identifier?: string) => {
    if (comment !== undefined) return ' ';
    if (identifier !== undefined) return match;
    return '?';
  });
  return replaced.replace(/\s+/g, ' ').trim().replace(LIST, '(?)').replace(ROWS, '(?)');
}

function text(attrs: Attrs, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = attrs[n];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** The database system of a span (`db.system.name` in the current conventions, `db.system` before), or undefined: no database call. */
export function dbSystemOf(attrs: Attrs): string | undefined {
  return text(attrs, 'db.system.name', 'db.system');
}

/**
 * A database call's identity: its normalised statement, else `operation collection`, else the
 * span's name (what instrumentations name it: `SELECT shop.orders`).
 */
export function dbCallKey(attrs: Attrs, spanName: string): string {
  const statement = text(attrs, 'db.query.text', 'db.statement');
  if (statement !== undefined) return normaliseStatement(statement);
  const operation = text(attrs, 'db.operation.name', 'db.operation');
  const collection = text(attrs, 'db.collection.name', 'db.sql.table', 'db.mongodb.collection', 'db.cassandra.table');
  if (operation !== undefined || collection !== undefined) return [operation, collection].filter((p) => p !== undefined).join(' ');
  return spanName;
}

/** A path segment that names one thing (an id, a number, a UUID, a hash): not part of the route. */
const ID_SEGMENT =
  /^(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{12,}|(?=[\w-]*\d)[\w-]{20,})$/;

/** A path with its id segments as `{id}`: `/users/42/orders` → `/users/{id}/orders`. */
export function templatePath(path: string): string {
  return path
    .split('/')
    .map((s) => (ID_SEGMENT.test(s) ? '{id}' : s))
    .join('/');
}

/**
 * An HTTP client call's identity (`GET api.shop/users/{id}`), or undefined when the span is no HTTP
 * call: the method and the URL template (or route) when the instrumentation gives one, else the
 * host and the path of the URL with its ids out (the query string never counts).
 */
export function httpCallKey(attrs: Attrs): string | undefined {
  const method = text(attrs, 'http.request.method', 'http.method');
  if (method === undefined) return undefined;
  const template = text(attrs, 'url.template', 'http.route');
  const url = text(attrs, 'url.full', 'http.url');
  let host = text(attrs, 'server.address', 'net.peer.name', 'http.host');
  let path = template ?? text(attrs, 'url.path', 'http.target');
  if (url !== undefined) {
    try {
      const u = new URL(url);
      host ??= u.host;
      path ??= u.pathname;
    } catch {
      // Not a URL after all: the other attributes say what they can.
    }
  }
  if (path === undefined) return `${method} ${host ?? ''}`.trim();
  const bare = path.split('?')[0] ?? path;
  return `${method} ${host ?? ''}${template !== undefined ? bare : templatePath(bare)}`;
}

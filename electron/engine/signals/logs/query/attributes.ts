// Where an attribute key points in the `attributes` JSON. `http.route` first means the key
// "http.route" itself (OpenTelemetry's flat dotted keys); only when that key is absent does it
// mean {"http": {"route": …}} (structlog's nested dicts). SQL and JS resolve it the same way.

/** SQLite JSON paths to try in order. Keys cannot hold quotes (the lexer's field-name rule). */
export function attributeJsonPaths(key: string): string[] {
  const literal = `$."${key}"`;
  if (!key.includes('.')) return [literal];
  return [
    literal,
    `$${key
      .split('.')
      .map((part) => `."${part}"`)
      .join('')}`,
  ];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type AttributeLookup = { found: true; value: unknown } | { found: false };

export function lookupAttribute(attributes: unknown, key: string): AttributeLookup {
  if (!isPlainObject(attributes)) return { found: false };
  if (Object.hasOwn(attributes, key)) return { found: true, value: attributes[key] };
  if (!key.includes('.')) return { found: false };
  let node: unknown = attributes;
  for (const part of key.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, part)) return { found: false };
    node = node[part];
  }
  return { found: true, value: node };
}

/** Strings that comparisons read as numbers: plain decimals like "503", "-1.25" (not "1e3", " 5"). */
export const NUMERIC_TEXT_RE = /^-?[0-9]+([.][0-9]+)?$/;

/** Query values that can equal a JSON number: `user_id:42` finds 42, 42.0 (and the string "42"). */
export const NUMBER_VALUE_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

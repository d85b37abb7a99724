// Compiled RegExps shared by the SQL function and the live-tail predicate: a search runs the same
// pattern over every row, so it is compiled once, and a small cap keeps a session of many
// different searches from growing the cache without bound.
const MAX_CACHED = 64;
const cache = new Map<string, RegExp>();

export function cachedRegExp(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let re = cache.get(key);
  if (!re) {
    // Never 'g' or 'y' (the parser refuses them): test() then keeps no lastIndex state between rows.
    re = new RegExp(source, flags);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, re);
  }
  return re;
}

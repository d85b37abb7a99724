// Seeded randomness for synthetic series (the anomaly tests and bench): the same "random" values
// every run, so a figure or a failure can be reproduced.

/** A seeded PRNG (mulberry32): uniform values in [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal noise from it (Box–Muller). */
export function noise(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

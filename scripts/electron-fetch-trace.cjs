// Preloaded into Electron's installer (node -r this install.js) by scripts/electron-runtime.js: the
// installer prints only "TypeError: fetch failed", whose cause (DNS, refused, timeout…) and URL are
// what a user needs. This notes them on stderr, one JSON line, for fetchElectron to read.
const realFetch = globalThis.fetch;
globalThis.fetch = async function tracedFetch(url, options) {
  try {
    return await realFetch(url, options);
  } catch (err) {
    // undici puts the system error in `cause`; happy-eyeballs connects wrap several in an AggregateError.
    const cause = err && err.cause;
    const first = cause && Array.isArray(cause.errors) ? cause.errors[0] : undefined;
    const failure = {
      url: String(url instanceof Request ? url.url : url),
      message: String((err && err.message) || err),
      code: (cause && cause.code) || (first && first.code) || undefined,
      causeMessage: (cause && cause.message) || (first && first.message) || undefined,
    };
    process.stderr.write(`loupe-fetch-failure ${JSON.stringify(failure)}\n`);
    throw err;
  }
};

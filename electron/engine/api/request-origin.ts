// Who may use a cookie session: only Loupe's own page. A page on any other local port
// (`python -m http.server`, a dev server, an XSS in another local app) is same-site with Loupe, so
// the browser sends it Loupe's SameSite=Strict cookie too; what tells them apart is the origin the
// browser stamps on the request (`Origin`, `Sec-Fetch-Site`), which a page cannot forge. Jupyter,
// VS Code's server and Grafana check the same. Requests with the token itself (Bearer, `?token=`)
// are scripts that know the secret: no origin is asked of them.
import type { IncomingMessage } from 'node:http';

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether a request authenticated by the session cookie comes from Loupe's own page.
 * `write`: the request changes something, or is a WebSocket upgrade (which reads everything):
 * browsers always send `Origin` on those, so it must be there and be ours.
 */
export function checkCookieOrigin(req: IncomingMessage, write: boolean): OriginVerdict {
  const host = req.headers.host;
  const own = host ? `http://${host.toLowerCase()}` : undefined;
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return { ok: false, reason: `a page of another origin (Sec-Fetch-Site: ${site}) may not use Loupe's session` };
  }
  const origin = header(req, 'origin');
  if (origin !== undefined && origin.toLowerCase() !== own) {
    return { ok: false, reason: `the page at ${origin} may not use Loupe's session` };
  }
  if (write && origin === undefined) {
    return {
      ok: false,
      reason: 'a change or a WebSocket without an Origin header must authenticate with the token (Authorization: Bearer)',
    };
  }
  return { ok: true };
}

/** True when a request body is declared as JSON (`application/json`, any parameters). */
export function isJsonContentType(req: IncomingMessage): boolean {
  return mediaType(req) === 'application/json';
}

/** True when a request body is a form (`application/x-www-form-urlencoded`), as Grafana posts PromQL. */
export function isFormContentType(req: IncomingMessage): boolean {
  return mediaType(req) === 'application/x-www-form-urlencoded';
}

/** True when a request body's media type is one of `types` (lower case). */
export function isContentTypeIn(req: IncomingMessage, types: readonly string[]): boolean {
  const type = mediaType(req);
  return type !== undefined && types.includes(type);
}

/** Why a request came from a browser page (it names its origin; scripts and SDKs send no Origin), or null. */
export function browserOrigin(req: IncomingMessage): string | null {
  const origin = header(req, 'origin');
  if (origin !== undefined) return `the page at ${origin}`;
  const site = header(req, 'sec-fetch-site');
  return site !== undefined ? `a browser page (Sec-Fetch-Site: ${site})` : null;
}

function mediaType(req: IncomingMessage): string | undefined {
  return header(req, 'content-type')?.split(';')[0]!.trim().toLowerCase();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

// The URL is the view's state: route, query and time range live in the hash, so a reload (or a
// pasted link) reopens the same view.
import { formatHash, parseHash, type RouteName, type ViewLocation } from './time-range.js';

export class Router {
  location: ViewLocation = $state(parseHash(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.location = parseHash(window.location.hash);
    });
  }

  /** Go to another view (a new history entry). */
  go(route: RouteName, detail?: string, params?: Record<string, string>): void {
    // The range carries over between views; a query and its params belong to their own view.
    const next: ViewLocation = route === this.location.route ? { ...this.location, route } : { route, q: '', range: this.location.range };
    if (detail) next.detail = detail;
    else delete next.detail;
    if (params) next.params = params;
    else if (route !== this.location.route || detail !== this.location.detail) delete next.params;
    window.location.hash = formatHash(next);
  }

  /** Record the current view's query/range without a history entry per keystroke. */
  replace(changes: Partial<ViewLocation>): void {
    this.location = { ...this.location, ...changes };
    history.replaceState(null, '', formatHash(this.location));
  }
}

export const router = new Router();

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
  go(route: RouteName, detail?: string): void {
    const next: ViewLocation = { ...this.location, route };
    if (detail) next.detail = detail;
    else delete next.detail;
    window.location.hash = formatHash(next);
  }

  /** Record the current view's query/range without a history entry per keystroke. */
  replace(changes: Partial<ViewLocation>): void {
    this.location = { ...this.location, ...changes };
    history.replaceState(null, '', formatHash(this.location));
  }
}

export const router = new Router();

// Alertmanager's route tree, as the manager walks it: which routes an alert goes down (the deepest
// matching ones, siblings after a match only with `continue`), the labels that make its
// aggregation group (group_by), and whether a route's time intervals hold its notifications now.
import type { AlertLabels } from '../alert.js';
import type { ManagerConfig, RouteConfig } from './config.js';
import { allHold } from './matchers.js';
import { intervalHolds } from './time-intervals.js';

/** The routes an alert with `labels` goes to, from the tree's root. */
export function routesFor(root: RouteConfig, labels: AlertLabels): RouteConfig[] {
  const match = (route: RouteConfig): RouteConfig[] => {
    if (!allHold(route.matchers, labels)) return [];
    const found: RouteConfig[] = [];
    for (const child of route.routes) {
      const m = match(child);
      found.push(...m);
      if (m.length > 0 && !child.continue) break;
    }
    return found.length > 0 ? found : [route];
  };
  return match(root);
}

/** The route of the tree with this id (its position in the tree), if there still is one. */
export function routeById(root: RouteConfig, id: string): RouteConfig | undefined {
  const find = (r: RouteConfig): RouteConfig | undefined => (r.id === id ? r : r.routes.map(find).find((x) => x !== undefined));
  return find(root);
}

/** The labels of the aggregation group an alert joins on `route`: its group_by labels, sorted. */
export function groupLabels(route: RouteConfig, labels: AlertLabels): AlertLabels {
  const names = route.groupBy === 'all' ? Object.keys(labels) : route.groupBy;
  const out: AlertLabels = {};
  for (const name of [...names].sort()) if (labels[name] !== undefined) out[name] = labels[name];
  return out;
}

/** Whether `route` holds its notifications at `now`: in one of its mute intervals, or outside all its active ones. */
export function muted(route: RouteConfig, timeIntervals: ManagerConfig['timeIntervals'], now: number): boolean {
  const holds = (name: string): boolean => (timeIntervals.get(name) ?? []).some((i) => intervalHolds(i, now));
  if (route.muteTimeIntervals.some(holds)) return true;
  return route.activeTimeIntervals.length > 0 && !route.activeTimeIntervals.some(holds);
}

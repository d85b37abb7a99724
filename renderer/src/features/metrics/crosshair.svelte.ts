// The time under the pointer in any chart of the page: every chart draws its line there, so
// charts that share the time range also share the crosshair.
class Crosshair {
  /** ms since the epoch, or null when the pointer is over no chart. */
  time: number | null = $state(null);
}

export const crosshair = new Crosshair();

// Whether the OS asks for dark colours, as reactive state: canvas charts can't read the CSS
// variables the rest of the UI switches with, so they redraw from this.
class ColorScheme {
  dark = $state(false);

  constructor() {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    this.dark = mq.matches;
    mq.addEventListener('change', () => {
      this.dark = mq.matches;
    });
  }
}

export const colorScheme = new ColorScheme();

/** Axis text and grid line colours for the charts, in the current scheme. */
export function chartColors(): { text: string; grid: string } {
  return colorScheme.dark ? { text: '#9aa4b0', grid: 'rgba(255,255,255,0.07)' } : { text: '#5b6470', grid: 'rgba(0,0,0,0.07)' };
}

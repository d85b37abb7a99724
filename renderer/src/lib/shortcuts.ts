// The keyboard shortcuts, listed once: the help overlay shows this table and App handles it.
export interface Shortcut {
  keys: string[];
  what: string;
}

export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Anywhere',
    items: [
      { keys: ['?'], what: 'Show this help' },
      { keys: ['/'], what: 'Search logs' },
      { keys: ['g', 'l'], what: 'Go to Logs' },
      { keys: ['g', 'h'], what: 'Go to Health' },
      { keys: ['g', 'e'], what: 'Go to Errors' },
      { keys: ['g', 'p'], what: 'Go to Performance' },
      { keys: ['g', 's'], what: 'Go to Sources' },
      { keys: ['Esc'], what: 'Close the panel or dialog' },
    ],
  },
  {
    group: 'Search box',
    items: [
      { keys: ['Enter'], what: 'Search now' },
      { keys: ['↑', '↓'], what: 'Previous / next search from history' },
    ],
  },
  {
    group: 'Log list',
    items: [
      { keys: ['↑', '↓'], what: 'Previous / next record (also k / j)' },
      { keys: ['PgUp', 'PgDn'], what: 'A page up / down' },
      { keys: ['Home'], what: 'Oldest loaded record' },
      { keys: ['End'], what: 'Newest record, and follow the tail' },
      { keys: ['Space'], what: 'Expand or collapse a multi-line record' },
      { keys: ['Enter'], what: 'Open the record detail' },
    ],
  },
  {
    group: 'Facets',
    items: [
      { keys: ['Click'], what: 'Include the value in the search' },
      { keys: ['Alt/Shift', 'Click'], what: 'Exclude the value' },
    ],
  },
];

/** Keys typed into a text field are the field's, not shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

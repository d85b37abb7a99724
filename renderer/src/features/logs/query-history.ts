// Searches the user ran, newest first, kept in localStorage across sessions.
const KEY = 'loupe.queryHistory';
const MAX = 50;

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export class QueryHistory {
  entries: string[];

  constructor(private readonly storage: KeyValueStorage | undefined) {
    this.entries = [];
    try {
      const saved: unknown = JSON.parse(storage?.getItem(KEY) ?? '[]');
      if (Array.isArray(saved)) this.entries = saved.filter((e): e is string => typeof e === 'string').slice(0, MAX);
    } catch {
      // A broken entry starts an empty history rather than failing the page.
    }
  }

  add(query: string): void {
    const q = query.trim();
    if (!q) return;
    this.entries = [q, ...this.entries.filter((e) => e !== q)].slice(0, MAX);
    try {
      this.storage?.setItem(KEY, JSON.stringify(this.entries));
    } catch {
      // Storage full or disabled: the history lasts this session only.
    }
  }
}

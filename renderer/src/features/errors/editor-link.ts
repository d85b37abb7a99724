// Traceback frames open in the user's editor: a URL template with {path} (the file's absolute
// path without its leading `/`, so `vscode://file/{path}` is VS Code's `vscode://file//abs/path`
// form without the doubled slash) and {line}; `idea://open?file=/{path}&line={line}`, or a custom
// scheme a desktop handler maps to $EDITOR. Kept in this browser's storage.

export const DEFAULT_EDITOR_TEMPLATE = 'vscode://file/{path}:{line}';
const KEY = 'loupe.editorTemplate';

export const EDITOR_PRESETS: { label: string; template: string }[] = [
  { label: 'VS Code', template: DEFAULT_EDITOR_TEMPLATE },
  { label: 'JetBrains (PyCharm, IDEA)', template: 'idea://open?file=/{path}&line={line}' },
  { label: 'Sublime Text', template: 'subl://open?url=file:///{path}&line={line}' },
];

/** The browser's localStorage (named through globalThis: the link code is tested under Node too). */
interface TextStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
function store(): TextStore | undefined {
  return (globalThis as { localStorage?: TextStore }).localStorage;
}

export function editorTemplate(): string {
  try {
    return store()?.getItem(KEY) || DEFAULT_EDITOR_TEMPLATE;
  } catch {
    return DEFAULT_EDITOR_TEMPLATE;
  }
}

export function setEditorTemplate(template: string): void {
  try {
    if (template.trim() === '' || template === DEFAULT_EDITOR_TEMPLATE) store()?.removeItem(KEY);
    else store()?.setItem(KEY, template.trim());
  } catch {
    // Storage refused (a private window): the template lasts for this page only.
  }
}

/** The link of a frame: the path's parts URL-escaped, its slashes kept. */
export function editorLink(template: string, path: string, line: number): string {
  const encoded = path
    .replace(/^\//, '')
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ':'))
    .join('/');
  return template.replaceAll('{path}', encoded).replaceAll('{line}', String(line));
}

// Traceback frames as links into the user's editor, from a template with {path} and {line}.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EDITOR_TEMPLATE, EDITOR_PRESETS, editorLink } from '../../../renderer/src/features/errors/editor-link.js';

describe('editor links', () => {
  it("opens VS Code at the file's line by default, the path's slashes kept and other characters escaped", () => {
    expect(editorLink(DEFAULT_EDITOR_TEMPLATE, '/srv/my app/orders.py', 42)).toBe('vscode://file/srv/my%20app/orders.py:42');
    expect(editorLink(DEFAULT_EDITOR_TEMPLATE, 'C:/shop/orders.py', 7)).toBe('vscode://file/C:/shop/orders.py:7');
  });

  it('fills any template, JetBrains and a custom scheme alike', () => {
    const jetbrains = EDITOR_PRESETS.find((p) => p.label.startsWith('JetBrains'))!.template;
    expect(editorLink(jetbrains, '/srv/shop/orders.py', 3)).toBe('idea://open?file=/srv/shop/orders.py&line=3');
    expect(editorLink('myeditor://{path}?l={line}&again={line}', '/a/b.py', 9)).toBe('myeditor://a/b.py?l=9&again=9');
  });
});

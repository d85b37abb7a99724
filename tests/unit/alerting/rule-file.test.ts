// Rule files read as `promtool check rules` reads them: the same problems, each at its line and
// column in the file (promtool 2.42's messages, taken from Debian's promtool on the same files),
// and edits from the UI written back into the file without losing its comments.
import { describe, expect, it } from 'vitest';
import { deleteRuleInText, parseRuleFile, saveRuleInText } from '../../../electron/engine/alerting/rules/rule-file.js';

const problems = (text: string): string[] => parseRuleFile(text, 'f.yml').problems.map((p) => `${p.line}:${p.col}: ${p.message}`);

describe('rule files', () => {
  it('reads alerting and recording rules with their fields', () => {
    const parsed = parseRuleFile(
      `groups:
  - name: g
    interval: 30s
    rules:
      - alert: HighErrors
        expr: rate(errors_total[5m]) > 1
        for: 5m
        keep_firing_for: 2m
        labels: { severity: P2 }
        annotations:
          summary: "errors {{ $value }} on {{ $labels.job }}"
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
`,
      'f.yml',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.groups).toHaveLength(1);
    const [alert, record] = parsed.groups[0]!.rules;
    expect(parsed.groups[0]!.intervalMs).toBe(30_000);
    expect(alert).toMatchObject({
      kind: 'alerting',
      name: 'HighErrors',
      forMs: 300_000,
      keepFiringForMs: 120_000,
      labels: { severity: 'P2' },
    });
    expect(record).toMatchObject({ kind: 'recording', name: 'job:errors:rate5m', expr: 'sum by (job) (rate(errors_total[5m]))' });
  });

  it("says promtool's problems at their line and column", () => {
    // promtool check rules on this file (2.42):
    //   5:15: group "g", rule 1, "A": could not parse expression: 1:26: parse error: unclosed left parenthesis
    //   group "g", rule 2, "B": annotation "summary": template: __alert_B:1: unclosed action
    //   10:5: groupname: "g" is repeated in the same file
    //   12:17: group "g", rule 1, "bad name": invalid recording rule name: bad name
    //   15:17: 14:16: group "g", rule 2, "C": only one of 'record' and 'alert' must be set
    //   0:0: group "g", rule 3, "E": field 'expr' must be set in rule
    //   18:17: group "g", rule 4, "F": invalid field 'for' in recording rule
    // Loupe points at the field itself (the `for:` of F, 20:14), and its PromQL parser words the
    // unclosed parenthesis as the end of input it met.
    const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: rate(errors_total[5m] > 1
      - alert: B
        expr: up
        annotations:
          summary: "{{ $value "
  - name: g
    rules:
      - record: "bad name"
        expr: up
      - alert: C
        record: D
        expr: up
      - alert: E
      - record: F
        expr: up
        for: 5m
`;
    const found = problems(text);
    expect(found).toContain('5:15: group "g", rule 1, "A": could not parse expression: 1:26: parse error: unexpected end of input');
    expect(found).toContain('9:20: group "g", rule 2, "B": annotation "summary": template: __alert_B:1: unclosed action');
    expect(found).toContain('10:5: groupname: "g" is repeated in the same file');
    expect(found).toContain('12:17: group "g", rule 1, "bad name": invalid recording rule name: bad name');
    expect(found).toContain('15:17: group "g", rule 2, "C": only one of \'record\' and \'alert\' must be set');
    expect(found).toContain('0:0: group "g", rule 3, "E": field \'expr\' must be set in rule');
    expect(found).toContain('20:14: group "g", rule 4, "F": invalid field \'for\' in recording rule');
  });

  it('refuses bad durations, unknown fields and YAML mistakes, at their place', () => {
    expect(problems('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n')).toEqual([
      '6:14: not a valid duration string: "5x"',
    ]);
    expect(problems('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        bogus: 1\n')).toEqual([
      '6:9: field bogus not found in type rulefmt.RuleNode',
    ]);
    const yaml = problems('groups:\n  - name: g\n    rules:\n      - alert: A\n       expr: up\n');
    expect(yaml).toHaveLength(1);
    expect(yaml[0]).toMatch(/^5:\d+: yaml: /);
  });

  it('reads log rules and says where their search is wrong', () => {
    const parsed = parseRuleFile(
      `groups:
  - name: logs
    rules:
      - alert: DbErrors
        logs: { query: 'level:error logger:app.db', over: 5m, threshold: '> 10' }
      - alert: NoHeartbeat
        logs:
          query: heartbeat
          absent: 2m
`,
      'f.yml',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.groups[0]!.rules.map((r) => r.logs)).toEqual([
      { query: 'level:error logger:app.db', overMs: 300_000, op: '>', threshold: 10, absent: false },
      { query: 'heartbeat', overMs: 120_000, op: '==', threshold: 0, absent: true },
    ]);
    const bad = problems(
      `groups:\n  - name: logs\n    rules:\n      - alert: X\n        logs: { query: 'level:loud', threshold: 'lots' }\n`,
    );
    expect(bad).toHaveLength(2);
    // The column is the mistake's, inside the quoted search ('level:loud' starts at 5:23).
    expect(bad[0]).toMatch(/^5:31: group "logs", rule 1, "X": could not parse log query: Unknown level "loud"/);
    expect(bad[1]).toBe(
      '5:49: group "logs", rule 1, "X": logs: threshold must be a comparison and a number (> 10, >= 1, == 0), not "lots"',
    );
  });

  it('lints duplicate rules as promtool does (a warning, the file loads)', () => {
    const parsed = parseRuleFile(
      'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up\n',
      'f.yml',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.warnings).toEqual([
      'lint error 1 duplicate rule(s) found.\nMetric: A\nLabel(s):\nMight cause inconsistency while recording expressions',
    ]);
  });

  it('writes a rule back in place, keeping the comments, and deletes one', () => {
    const text = `# my rules
groups:
  - name: g
    rules:
      # the important one
      - alert: A
        expr: up == 0
      - alert: B
        expr: up == 2
`;
    const saved = saveRuleInText(text, 'g', { alert: 'A', expr: 'up == 1', for: '1m', labels: {} });
    expect(saved).toContain('# my rules');
    expect(saved).toContain('# the important one');
    expect(saved).not.toContain('up == 0');
    const reread = parseRuleFile(saved, 'f.yml');
    expect(reread.problems).toEqual([]);
    expect(reread.groups[0]!.rules.map((r) => [r.name, r.expr, r.forMs])).toEqual([
      ['A', 'up == 1', 60_000],
      ['B', 'up == 2', 0],
    ]);
    const added = parseRuleFile(saveRuleInText('', 'new', { alert: 'C', expr: 'vector(1)' }, undefined, '30s'), 'f.yml');
    expect(added.groups).toMatchObject([{ name: 'new', intervalMs: 30_000, rules: [{ name: 'C' }] }]);
    const deleted = deleteRuleInText(saved, 'g', 'B')!;
    expect(parseRuleFile(deleted, 'f.yml').groups[0]!.rules.map((r) => r.name)).toEqual(['A']);
    expect(deleteRuleInText(saved, 'g', 'Z')).toBeNull();
  });
});

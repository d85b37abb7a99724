// Rules as a user meets them: `loupe check rules` beside `promtool check rules` (Debian's 2.42) on
// the same files; `loupe serve --rules` with a log rule that a real Python program's error burst,
// written by the stdlib logging to a watched file, makes fire; a rule file in the data dir edited
// by hand (reloaded; a broken edit said with its line and column while the last good rules run).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromAlertView, RulesView, SentAlertView } from '../../shared/rules.js';
import { CLI, ROOT, startServe, waitFor } from '../support/serve-process.js';

const loupe = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
const promtool = (...args: string[]) => spawnSync('/usr/bin/promtool', args, { encoding: 'utf8' });

describe('loupe check rules', () => {
  it('says what promtool says, with the line and column, and exits as it does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-check-'));
    const files = {
      good: `groups:
  - name: g
    interval: 30s
    rules:
      - alert: HighErrors
        expr: rate(errors_total[5m]) > 1
        for: 5m
        keep_firing_for: 10m
        labels: { severity: P2 }
        annotations:
          summary: "errors {{ $value | humanize }} on {{ $labels.job }}"
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
`,
      duration: 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n',
      unknown: 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        bogus: 1\n',
      template:
        'groups:\n  - name: g\n    rules:\n      - alert: B\n        expr: up\n        annotations:\n          summary: "{{ $value "\n',
      duplicate: 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n      - alert: A\n        expr: up\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.yml`), text);
    const both = (name: string) => {
      const path = join(dir, `${name}.yml`);
      return { ours: loupe('check', 'rules', path), theirs: promtool('check', 'rules', path) };
    };

    const good = both('good');
    expect([good.ours.status, good.ours.stdout]).toEqual([0, good.theirs.stdout]);
    expect(good.ours.stdout).toContain('SUCCESS: 2 rules found');

    // promtool: `FILE: not a valid duration string: "5x"`; Loupe says where.
    const duration = both('duration');
    expect([duration.ours.status, duration.theirs.status]).toEqual([1, 1]);
    expect(duration.theirs.stderr).toContain('not a valid duration string: "5x"');
    expect(duration.ours.stdout).toBe(duration.theirs.stdout);
    expect(duration.ours.stderr).toBe(`  FAILED:\n${join(dir, 'duration.yml')}: 6:14: not a valid duration string: "5x"\n`);

    const unknown = both('unknown');
    expect([unknown.ours.status, unknown.theirs.status]).toEqual([1, 1]);
    expect(unknown.theirs.stderr).toContain('line 6: field bogus not found in type rulefmt.RuleNode');
    expect(unknown.ours.stderr).toContain('unknown.yml: 6:9: field bogus not found in type rulefmt.RuleNode');

    const template = both('template');
    expect([template.ours.status, template.theirs.status]).toEqual([1, 1]);
    const theirs = 'group "g", rule 1, "B": annotation "summary": template: __alert_B:1: unclosed action';
    expect(template.theirs.stderr).toContain(theirs);
    expect(template.ours.stderr).toContain(`template.yml: 7:20: ${theirs}`);

    // A lint warning, not an error: promtool exits 0 and so does Loupe.
    const duplicate = both('duplicate');
    expect([duplicate.ours.status, duplicate.ours.stdout, duplicate.ours.stderr]).toEqual([
      duplicate.theirs.status,
      duplicate.theirs.stdout,
      duplicate.theirs.stderr,
    ]);

    expect(loupe('check', 'rules').status).toBe(2);
    expect(loupe('check', 'rules', join(dir, 'missing.yml')).status).toBe(1);
  });
});

describe('loupe serve --rules', () => {
  it('refuses to start on a rule file with problems, saying where they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-serve-rules-'));
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n');
    const res = spawnSync(
      process.execPath,
      [CLI, 'serve', '--data-dir', join(dir, 'data'), '--port', '0', '--no-otlp', '--no-statsd', '--rules', bad],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${bad}: 5:15: group "g", rule 1, "A": could not parse expression: 1:5: parse error:`);
  });

  it("fires a log rule on a Python program's burst of errors in a watched file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-log-rule-'));
    const log = join(dir, 'app.log');
    const rules = join(dir, 'rules.yml');
    writeFileSync(
      rules,
      `groups:
  - name: app
    interval: 1s
    rules:
      - alert: DbErrorBurst
        logs: { query: 'level:error logger:app.db', over: 1m, threshold: '> 5' }
        labels: { severity: P2 }
        annotations:
          summary: '{{ $value }} database errors in the last minute'
`,
    );
    writeFileSync(log, '');
    const serve = await startServe(['--data-dir', join(dir, 'data'), '--rules', rules, log]);
    try {
      // Nothing fires on a quiet file.
      await waitFor(async () => {
        const r = await serve.get<{ data: { groups: { lastEvaluation: string }[] } }>('/api/v1/rules');
        return r.data.groups[0]!.lastEvaluation.startsWith('0001') ? undefined : true;
      });
      expect((await serve.get<{ data: { alerts: unknown[] } }>('/api/v1/alerts')).data.alerts).toEqual([]);

      const python = spawnSync(
        '/usr/bin/python3',
        [
          '-c',
          `import logging, sys
logging.basicConfig(filename=sys.argv[1], format='%(asctime)s %(levelname)s %(name)s: %(message)s', level=logging.INFO)
logging.getLogger('app.http').info('GET /orders 200')
db = logging.getLogger('app.db')
for i in range(12):
    db.error('connection to postgres refused (attempt %d)', i)
logging.getLogger('app.http').error('GET /orders 500')
`,
          log,
        ],
        { encoding: 'utf8' },
      );
      expect(python.status, python.stderr).toBe(0);

      const alerts = await waitFor(async () => {
        const body = await serve.get<{ data: { alerts: PromAlertView[] } }>('/api/v1/alerts');
        return body.data.alerts.length > 0 ? body.data.alerts : undefined;
      });
      expect(alerts).toEqual([
        {
          labels: { alertname: 'DbErrorBurst', severity: 'P2' },
          annotations: { summary: '12 database errors in the last minute' },
          state: 'firing',
          activeAt: expect.any(String) as string,
          value: '1.2e+01',
        },
      ]);
      // Sent to the alert manager's side (kept for the API until the manager lands).
      const sent = await serve.get<{ alerts: SentAlertView[] }>('/api/alerts/sent');
      expect(sent.alerts[0]).toMatchObject({ labels: { alertname: 'DbErrorBurst' }, endsAt: null, value: 12 });
    } finally {
      await serve.stop();
    }
  });

  it('reloads a rule file edited by hand in the data dir; a broken edit is said with its line and column, the last good rules run on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-rules-dir-'));
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'rules'), { recursive: true });
    const file = join(dataDir, 'rules', 'mine.yml');
    writeFileSync(file, 'groups:\n  - name: mine\n    interval: 1s\n    rules:\n      - alert: HandMade\n        expr: vector(1) > 0\n');
    // The files listed hold the SLOs' generated rule file too (slo-rules.yml): this one is found by its path.
    const mine = (v: { files: { path: string; error: string | null }[] }) => v.files.find((f) => f.path === file);
    const serve = await startServe(['--data-dir', dataDir]);
    try {
      await waitFor(async () => {
        const body = await serve.get<{ data: { alerts: PromAlertView[] } }>('/api/v1/alerts');
        return body.data.alerts.some((a) => a.labels.alertname === 'HandMade') ? true : undefined;
      });
      writeFileSync(file, 'groups:\n  - name: mine\n    interval: 1s\n    rules:\n      - alert: HandMade\n        expr: vector(1) >\n');
      const view = await waitFor(async () => {
        const v = await serve.get<RulesView>('/api/alerts/rules');
        return mine(v)?.error ? v : undefined;
      });
      expect(mine(view)!.error).toMatch(
        new RegExp(`^${file}: 6:15: group "mine", rule 1, "HandMade": could not parse expression: 1:12: parse error`),
      );
      expect(view.groups.map((g) => g.rules.map((r) => r.name))).toEqual([['HandMade']]);
      expect((await serve.get<{ data: { alerts: PromAlertView[] } }>('/api/v1/alerts')).data.alerts).toHaveLength(1);
      // Fixed by hand: the new version runs.
      writeFileSync(file, 'groups:\n  - name: mine\n    interval: 1s\n    rules:\n      - alert: HandFixed\n        expr: vector(1) > 0\n');
      await waitFor(async () => {
        const v = await serve.get<RulesView>('/api/alerts/rules');
        return mine(v)?.error === null && v.groups[0]?.rules[0]?.name === 'HandFixed' ? true : undefined;
      });
      // HandMade went with its rule: its resolution was sent, once.
      const sent = await serve.get<{ alerts: SentAlertView[] }>('/api/alerts/sent');
      expect(sent.alerts.filter((a) => a.labels.alertname === 'HandMade' && a.endsAt !== null)).toHaveLength(1);
    } finally {
      await serve.stop();
    }
  });
});

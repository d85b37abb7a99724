// The Drain miner: templates with typed variables, the grouping accuracy on a labelled sample and
// on Loghub's published 2k-line sets (HDFS, Apache, OpenSSH, Linux: their ground-truth events),
// the regex a `pattern:` search runs, and the cap (least recently matched dropped).
import { describe, expect, it } from 'vitest';
import { Drain, templateRegex, tokensOf, type Template } from '../../../electron/engine/analysis/patterns/drain.js';
import { cachedRegex } from '../../../electron/engine/signals/logs/query/regex.js';
import { groupingAccuracy, labelledSample, LOGHUB_SETS } from '../../support/grouping-accuracy.js';

function miner(max = 1000): Drain<Template> {
  let id = 1;
  return new Drain<Template>(max, (tokens) => ({ id: id++, tokens }));
}

describe('Drain template mining', () => {
  it('masks numbers, ids, addresses, durations and hex with their type', () => {
    expect(tokensOf('user 42 from 10.0.0.7:5432 took 15ms id=0x7f3a 3f2b9c1d-0a1b-4c2d-8e3f-123456789abc deadbeef01').join(' ')).toBe(
      'user <NUM> from <IP> took <DUR> id=<HEX> <UUID> <HEX>',
    );
    // Words with digits stay words (a later message decides whether they vary).
    expect(tokensOf('python3 v1.2.3 user42').join(' ')).toBe('python3 v1.2.3 user42');
    // Only the first line: a traceback under the message is not the template.
    expect(tokensOf('failed\nTraceback (most recent call last):')).toEqual(['failed']);
  });

  it('generalises the tokens that vary into <*>', () => {
    const d = miner();
    d.mine('user alice logged in from 10.1.2.3');
    const r = d.mine('user bob logged in from 10.9.9.9')!;
    expect(r.template.tokens.join(' ')).toBe('user <*> logged in from <IP>');
    expect([r.created, r.changed]).toEqual([false, true]);
    expect(d.mine('disk full on /dev/sda1')!.created).toBe(true);
  });

  it('groups the labelled sample with an accuracy of at least 0.95', () => {
    const lines = labelledSample();
    const d = miner();
    const mined = lines.map((l) => d.mine(l.message)!.template);
    expect(
      groupingAccuracy(
        lines.map((l) => l.event),
        mined.map((t) => t.id),
      ),
    ).toBeGreaterThanOrEqual(0.95);
    const templates = new Set(mined.map((t) => t.tokens.join(' ')));
    expect(templates).toContain('user <*> logged in from <IP>');
    expect(templates).toContain('Request <UUID> took <NUM> seconds');
    expect(templates).toContain('GET /api/orders/<NUM> <NUM> <DUR>');
  });

  // The floors are what the miner measured when the sets were added (README *Log patterns*), a
  // little under Drain's published figures on OpenSSH and Linux (its runs mask each set's variables
  // with regexes written for that set; ours has one masking for every log).
  const FLOORS: Record<(typeof LOGHUB_SETS)[number]['name'], number> = { HDFS: 0.99, Apache: 1, OpenSSH: 0.71, Linux: 0.68 };
  it.each(LOGHUB_SETS.map((s) => s.name))("groups Loghub's %s 2k set at least as accurately as measured", (name) => {
    const lines = labelledSample(name);
    expect(lines).toHaveLength(2000);
    const d = miner();
    const mined = lines.map((l) => d.mine(l.message)!.template.id);
    expect(
      groupingAccuracy(
        lines.map((l) => l.event),
        mined,
      ),
    ).toBeGreaterThanOrEqual(FLOORS[name]);
  });

  it("gives a regex that matches every message the template took, and not another template's", () => {
    const d = miner();
    const messages = ['Worker 3 stopped with exit code 0', 'Worker 12 stopped with exit code 137', 'Worker x stopped with exit code 1'];
    let t: Template | undefined;
    for (const m of messages) t = d.mine(m)!.template;
    const re = cachedRegex(templateRegex(t!.tokens), '');
    for (const m of messages) expect(re.test(`${m}\nmore lines`), m).toBe(true);
    expect(re.test('Worker 3 started with exit code 0')).toBe(false);
  });

  it('holds at most its cap of templates, dropping the least recently matched', () => {
    const d = miner(3);
    const a = d.mine('alpha one two')!.template;
    d.mine('beta one two three');
    d.mine('gamma one two three four');
    d.mine('alpha one two'); // alpha is now the most recent
    const r = d.mine('delta x')!;
    expect(r.evicted?.tokens.join(' ')).toBe('beta one two three');
    expect(d.size).toBe(3);
    expect(d.mine('alpha one two')!.template).toBe(a);
    expect(d.mine('beta one two three')!.created).toBe(true);
  });
});

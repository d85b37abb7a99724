// Rule templates print what Prometheus 2.42 prints: the expected texts below are Prometheus's own
// expansions of the same template for the same values (taken from a running Prometheus's
// /api/v1/alerts), and the subset's limits are said when a file is checked.
import { describe, expect, it } from 'vitest';
import { expandTemplate, parseTemplate } from '../../../electron/engine/alerting/rules/templates.js';

const T =
  '{{ $value }}|{{ humanize $value }}|{{ printf "%.2f" $value }}|{{ humanizePercentage $value }}|{{ humanizeDuration $value }}|{{ $value | humanize }}|{{ printf "%g %e %d %s" $value $value 3 $labels.k }}';

describe('rule templates', () => {
  it.each([
    [123456, 'c', '123456|123.5k|123456.00|1.235e+07%|1d 10h 17m 36s|123.5k|123456 1.234560e+05 3 c'],
    [-1234.5678, 'd', '-1234.5678|-1.235k|-1234.57|-1.235e+05%|-20m 34s|-1.235k|-1234.5678 -1.234568e+03 3 d'],
    [0.5, 'e', '0.5|500m|0.50|50%|500ms|500m|0.5 5.000000e-01 3 e'],
    [1234567, 'a', '1.234567e+06|1.235M|1234567.00|1.235e+08%|14d 6h 56m 7s|1.235M|1.234567e+06 1.234567e+06 3 a'],
    [0.00001234, 'b', '1.234e-05|12.34u|0.00|0.001234%|12.34us|12.34u|1.234e-05 1.234000e-05 3 b'],
  ])('expands %s as Prometheus does', (value, k, expected) => {
    expect(expandTemplate(T, '__alert_Fmt', { labels: { k }, value })).toBe(expected);
  });

  it('prints a missing label as nothing, and a broken template as Prometheus does', () => {
    expect(expandTemplate('[{{ $labels.nope }}] {{ .Labels.job }} {{ .Value }}', 'x', { labels: { job: 'api' }, value: 2 })).toBe(
      '[] api 2',
    );
    expect(expandTemplate('{{ humanize "abc" }}', '__alert_A', { labels: {}, value: 1 })).toBe(
      '<error expanding template: error calling humanize: can\'t convert "abc" to a number>',
    );
  });

  it('refuses what the subset does not run, with the reason, as a file check says it', () => {
    expect(() => parseTemplate('{{ if gt $value 1.0 }}high{{ end }}', '__alert_A')).toThrow(
      'template: __alert_A:1: "if" is not in the template subset Loupe runs ($value, $labels, pipelines and functions)',
    );
    expect(() => parseTemplate('a\n{{ nope $value }}', '__alert_A')).toThrow('template: __alert_A:2: function "nope" not defined');
    expect(() => parseTemplate('{{ $value ', '__alert_A')).toThrow('template: __alert_A:1: unclosed action');
    expect(() => parseTemplate('{{ $other }}', '__alert_A')).toThrow('template: __alert_A:1: undefined variable "$other"');
  });
});

// The silence editor's matcher lines to and from Alertmanager's API matchers.
import { describe, expect, it } from 'vitest';
import { formatSilenceMatchers, parseSilenceMatchers } from '../../../renderer/src/features/alerts/silence-matchers.js';

describe('silence editor matchers', () => {
  it('reads one matcher per line, the four operators, quoted or not, and writes them back', () => {
    const text = 'alertname="Api5xx"\ninstance=~"web-.*"\n\nenv!=prod\nteam!~"a|b"';
    const parsed = parseSilenceMatchers(text);
    expect(parsed).toEqual({
      matchers: [
        { name: 'alertname', value: 'Api5xx', isRegex: false, isEqual: true },
        { name: 'instance', value: 'web-.*', isRegex: true, isEqual: true },
        { name: 'env', value: 'prod', isRegex: false, isEqual: false },
        { name: 'team', value: 'a|b', isRegex: true, isEqual: false },
      ],
    });
    if ('matchers' in parsed)
      expect(formatSilenceMatchers(parsed.matchers)).toBe('alertname="Api5xx"\ninstance=~"web-.*"\nenv!="prod"\nteam!~"a|b"');
  });

  it('names the line that is not a matcher', () => {
    expect(parseSilenceMatchers('alertname="x"\nseverity P1')).toEqual({
      error: 'Line 2: write name="value" (or !=, =~ for a regex, !~).',
    });
    expect(parseSilenceMatchers('  ')).toEqual({ error: 'A silence needs at least one matcher.' });
  });
});

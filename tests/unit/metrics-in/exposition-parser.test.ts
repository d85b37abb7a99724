// The exposition parsers against Prometheus's own parser tests as oracles: the inputs and the
// expected samples below are copied from prometheus/prometheus model/textparse/promparse_test.go
// (TestPromParse, TestPromParseErrors, TestPromNullByteHandling) and openmetricsparse_test.go
// (TestOpenMetricsParse, TestOpenMetricsParseErrors, TestOMNullByteHandling) at commit
// d15adb9ad7e5d9fbde3a9a8f30200593a5a14d86. One known difference: Prometheus 3 rewrites `le` and
// `quantile` values to a canonical float ("0" -> "0.0"); Prometheus 2.42, the version Loupe is
// compared with, and this parser keep them as written.
import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, type ExpositionFormat } from '../../../electron/engine/ingest/metrics-in/exposition-parser.js';
import { SCRAPE_LIMITS } from '../../../electron/engine/ingest/metrics-in/limits.js';
import type { MetricFamily, Sample } from '../../../electron/engine/ingest/metrics-in/model.js';

/** A sample as one comparable line: name{labels} value [@timestampUs] [# {labels} value @ts]. */
function show(s: Sample): string {
  const labels = (l: Record<string, string>): string =>
    Object.keys(l).length
      ? `{${Object.entries(l)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}}`
      : '';
  let out = `${s.name}${labels(s.labels)} ${s.value}`;
  if (s.timestampUs !== undefined) out += ` @${s.timestampUs}`;
  if (s.exemplar)
    out += ` # ${labels(s.exemplar.labels)} ${s.exemplar.value}${s.exemplar.timestampUs !== undefined ? ` @${s.exemplar.timestampUs}` : ''}`;
  return out;
}
function samples(families: MetricFamily[]): string[] {
  return families.flatMap((f) => f.samples.map(show));
}
function family(families: MetricFamily[], name: string): MetricFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no family ${name}`);
  return found;
}
function errorOf(body: string, format: ExpositionFormat): ExpositionError {
  try {
    parseExposition(body, format);
  } catch (err) {
    if (err instanceof ExpositionError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe('text format 0.0.4 (Prometheus TestPromParse)', () => {
  const input =
    String.raw`# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.
# TYPE prometheus_http_request_duration_seconds histogram
prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} 423
prometheus_http_request_duration_seconds_bucket{handler="/",le="2"} 1423
prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1423
prometheus_http_request_duration_seconds_sum{handler="/"} 2000
prometheus_http_request_duration_seconds_count{handler="/"} 1423
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \n newline
# comment with escaped \ escape character
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}	1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  	123123
# TYPE some_counter_total counter
# HELP some_counter_total Help after type.
some_counter_total 12
# HELP nohelp3
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
testmetric{le="10"} 1
# HELP type_and_unit_test1 Type specified in metadata overrides.
# TYPE type_and_unit_test1 gauge
type_and_unit_test1{__type__="counter"} 123
# HELP type_and_unit_test2 Type specified in label.
type_and_unit_test2{__type__="counter"} 123` +
    '\n# HELP metric foo\x00bar' +
    '\nnull_byte_metric{a="abc\x00"} 1';

  it('reads every sample with its labels, value and timestamp', () => {
    const { families, sampleCount } = parseExposition(input, 'prometheus-text');
    expect(sampleCount).toBe(27);
    const q = (quantile: string, a?: string): string => `go_gc_duration_seconds{quantile="${quantile}"${a ? `,a="${a}"` : ''}}`;
    expect(samples(families).sort()).toEqual(
      [
        `${q('0')} 0.000049351`,
        `${q('0.25')} 0.00007424100000000001`,
        `${q('0.5', 'b')} 0.000083835`,
        `${q('0.8', 'b')} 0.000083835`,
        `${q('0.9', 'b')} 0.000083835`,
        'prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} 423',
        'prometheus_http_request_duration_seconds_bucket{handler="/",le="2"} 1423',
        'prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1423',
        'prometheus_http_request_duration_seconds_sum{handler="/"} 2000',
        'prometheus_http_request_duration_seconds_count{handler="/"} 1423',
        'wind_speed{A="2",c="3"} 12345',
        `${q('1.0', 'b')} 0.000083835`,
        `${q('1.0', 'b')} 0.000083835`,
        `${q('1.0', 'b')} 0.000083835`,
        `${q('1.0', 'b')} 0.000083835`,
        `${q('2.0', 'b')} 0.000083835`,
        'go_gc_duration_seconds_count 99',
        'some:aggregate:rate5m{a_b="c"} 1',
        'go_goroutines 33 @123123000',
        'some_counter_total 12',
        '_metric_starting_with_underscore 1',
        'testmetric{_label_starting_with_underscore="foo"} 1',
        'testmetric{label="\\"bar\\""} 1',
        'testmetric{le="10"} 1',
        'type_and_unit_test1{__type__="counter"} 123',
        'type_and_unit_test2{__type__="counter"} 123',
        'null_byte_metric{a="abc\\u0000"} 1',
      ].sort(),
    );
  });

  it('groups samples into families with their HELP and TYPE', () => {
    const { families } = parseExposition(input, 'prometheus-text');
    const gc = family(families, 'go_gc_duration_seconds');
    expect(gc).toMatchObject({ type: 'summary', help: 'A summary of the GC invocation durations.' });
    expect(gc.samples).toHaveLength(11); // the five quantiles, the five that come back later, and _count
    expect(family(families, 'prometheus_http_request_duration_seconds')).toMatchObject({ type: 'histogram' });
    expect(family(families, 'prometheus_http_request_duration_seconds').samples).toHaveLength(5);
    expect(family(families, 'wind_speed').type).toBe('untyped');
    expect(family(families, 'some_counter_total')).toMatchObject({ type: 'counter', help: 'Help after type.' });
    expect(family(families, 'nohelp1').help).toBe('');
    expect(family(families, 'nohelp2').help).toBe('');
    expect(family(families, 'metric').help).toBe('foo\x00bar');
    expect(family(families, 'type_and_unit_test1').type).toBe('gauge');
  });

  // TestPromParseErrors and TestPromNullByteHandling: each input fails on the line named.
  it.each([
    ['a', 1],
    ["a{b='c'} 1\n", 1],
    ['a{b=\n', 1],
    ['a{\xff="foo"} 1\n', 1],
    ['{"a", "b = "c"}', 1],
    ['{"a",b\\nc="d"} 1', 1],
    ['a true\n', 1],
    ['something_weird{problem="', 1],
    ['empty_label_name{=""} 0', 1],
    ['{A}0', 1],
    ['foo 1_2\n', 1],
    ['foo 0x1p-3\n', 1],
    ['foo 0x1P-3\n', 1],
    ['foo 0 1_2\n', 1],
    ['{a="ok"} 1', 1],
    ['# TYPE #\n#EOF\n', 1],
    ['# HELP #\n#EOF\n', 1],
    ['a{b=\x00"ssss"} 1\n', 1],
    ['a{b="\x00', 1],
    ['a{b\x00="hiih"}\t1', 1],
    ['a\x00{b="ddd"} 1', 1],
    ['a 0 1\x00', 1],
    ['ok 1\nok 2\nbad{ 3\n', 3],
  ])('refuses %j at line %i', (body, line) => {
    expect(errorOf(body, 'prometheus-text').line).toBe(line);
  });

  it('accepts null bytes inside label values (TestPromNullByteHandling)', () => {
    expect(parseExposition('a{b="\x00ss"} 1\n', 'prometheus-text').families[0]?.samples[0]?.labels.b).toBe('\x00ss');
  });
});

describe('OpenMetrics 1.0 (Prometheus TestOpenMetricsParse)', () => {
  const input =
    String.raw`# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25"} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \ \n \\ \" \x chars
# UNIT nounit 
go_gc_duration_seconds{quantile="1.0",a="b"} 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
smr_seconds_sum 42.0 # {id="summary-sum-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{ss="bar"} 0
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
# HELP foo Counter with and without labels to certify ST is parsed for both cases
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123
foo_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
foo_created{a="b"} 1520872607.123
foo_total{le="c"} 21.0
foo_created{le="c"} 1520872621.123
foo_total{le="1"} 10.0
# HELP bar Summary with ST at the end, making sure we find ST even if it's multiple lines a far
# TYPE bar summary
bar_count 17.0
bar_sum 324789.3
bar{quantile="0.95"} 123.7
bar{quantile="0.99"} 150.0
bar_created 1520872608.124
# HELP baz Histogram with the same objective as above's summary
# TYPE baz histogram
baz_bucket{le="0.0"} 0
baz_bucket{le="+Inf"} 17
baz_count 17
baz_sum 324789.3
baz_created 1520872609.125
# HELP fizz_created Gauge which shouldn't be parsed as ST
# TYPE fizz_created gauge
fizz_created 17.0
# HELP nansum Summary with NaN value
# TYPE nansum summary
nansum_count 0
nansum_sum 0.0
nansum{quantile="0.95"} nan
nansum{quantile="0.99"} NaN` +
    '\n# HELP metric foo\x00bar' +
    '\nnull_byte_metric{a="abc\x00"} 1' +
    '\n# EOF\n';

  it('reads types, units, escaped HELP, timestamps in seconds and exemplars', () => {
    const { families, sampleCount } = parseExposition(input, 'openmetrics');
    expect(sampleCount).toBe(45);
    expect(family(families, 'go_gc_duration_seconds')).toMatchObject({ type: 'summary', unit: 'seconds' });
    expect(family(families, 'go_gc_duration_seconds').samples.map(show)).toContain('go_gc_duration_seconds_count 99');
    expect(family(families, 'help2').help).toBe('escape \\ \n \\ " \\x chars');
    expect(family(families, 'nounit').unit).toBe('');
    expect(family(families, 'go_goroutines').samples.map(show)).toEqual(['go_goroutines 33 @123123000']);
    expect(family(families, 'gh').type).toBe('gaugehistogram');
    expect(family(families, 'hhh').samples.map(show)).toEqual([
      'hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4',
      'hhh_count 1 # {id="histogram-count-test"} 4',
    ]);
    expect(family(families, 'ggh').samples.map(show)).toEqual([
      'ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 @123123000',
      'ggh_count 1 # {id="gaugehistogram-count-test",xx="yy"} 4 @123123000',
    ]);
    expect(family(families, 'smr_seconds').samples.map(show)).toEqual([
      'smr_seconds_count 2 # {id="summary-count-test"} 1 @123321000',
      'smr_seconds_sum 42 # {id="summary-sum-test"} 1 @123321000',
    ]);
    expect(family(families, 'ii')).toMatchObject({ type: 'info', samples: [{ name: 'ii', labels: { foo: 'bar' }, value: 1 }] });
    expect(family(families, 'ss').samples.map(show)).toEqual(['ss{ss="foo"} 1', 'ss{ss="bar"} 0', 'ss{A="a"} 0']);
    expect(family(families, 'foo').samples.map(show)).toEqual([
      'foo_total 17 @1520879607789000 # {id="counter-test"} 5',
      'foo_created 1520872607.123',
      'foo_total{a="b"} 17 @1520879607789000 # {id="counter-test"} 5',
      'foo_created{a="b"} 1520872607.123',
      'foo_total{le="c"} 21',
      'foo_created{le="c"} 1520872621.123',
      'foo_total{le="1"} 10',
    ]);
    expect(family(families, 'bar').samples).toHaveLength(5);
    expect(family(families, 'baz').samples.map((s) => s.name)).toEqual(['baz_bucket', 'baz_bucket', 'baz_count', 'baz_sum', 'baz_created']);
    expect(family(families, 'fizz_created')).toMatchObject({ type: 'gauge', samples: [{ name: 'fizz_created', value: 17 }] });
    expect(
      family(families, 'nansum')
        .samples.slice(2)
        .map((s) => s.value),
    ).toEqual([NaN, NaN]);
    expect(family(families, 'metric').help).toBe('foo\x00bar');
    expect(family(families, 'null_byte_metric').samples[0]?.labels.a).toBe('abc\x00');
  });

  // TestOpenMetricsParseErrors and TestOMNullByteHandling: each input fails on the line named.
  it.each([
    ['', 1, 'does not end with # EOF'],
    ['\n', 1, 'empty line'],
    ['metric', 1, 'expected a value'],
    ['metric 1', 2, 'does not end with # EOF'],
    ['metric 1\n', 2, 'does not end with # EOF'],
    ['metric_total 1 # {aa="bb"} 4', 2, 'does not end with # EOF'],
    ['a\n#EOF\n', 1, 'expected a value'],
    ['\n\n#EOF\n', 1, 'empty line'],
    [' a 1\n#EOF\n', 1, 'start of the line'],
    ['9\n#EOF\n', 1, 'start of the line'],
    ['# TYPE u untyped\n#EOF\n', 1, 'invalid metric type "untyped"'],
    ['# TYPE c counter \n#EOF\n', 1, 'invalid metric type "counter "'],
    ['#  TYPE c counter\n#EOF\n', 1, 'no comments'],
    ['# TYPE \n#EOF\n', 1, 'expected a metric name after TYPE'],
    ['# TYPE m\n#EOF\n', 1, 'expected text in TYPE'],
    ['# UNIT metric suffix\n#EOF\n', 1, 'unit "suffix" is not a suffix of metric "metric"'],
    ['# UNIT metricsuffix suffix\n#EOF\n', 1, 'not a suffix'],
    ['# UNIT m suffix\n#EOF\n', 1, 'not a suffix'],
    ['# UNIT \n#EOF\n', 1, 'expected a metric name after UNIT'],
    ['# UNIT m\n#EOF\n', 1, 'expected text in UNIT'],
    ['# HELP \n#EOF\n', 1, 'expected a metric name after HELP'],
    ['# HELP m\n#EOF\n', 1, 'expected text in HELP'],
    ['a\t1\n#EOF\n', 1, 'expected a space'],
    ['a 1\t2\n#EOF\n', 1, 'invalid sample value'],
    ['a 1 2 \n#EOF\n', 1, 'after the timestamp'],
    ['a 1 2 #\n#EOF\n', 1, 'exemplar'],
    ['a 1 1z\n#EOF\n', 1, 'invalid timestamp'],
    [' # EOF\n', 1, 'start of the line'],
    ['# EOF\na 1', 1, 'unexpected data after # EOF'],
    ['# EOF\n\n', 1, 'unexpected data after # EOF'],
    ['# EOFa 1', 1, 'unexpected data after # EOF'],
    ['#\tTYPE c counter\n', 1, 'no comments'],
    ['# TYPE c  counter\n', 1, 'invalid metric type " counter"'],
    ['a 1 1 1\n# EOF\n', 1, 'after the timestamp'],
    ["a{b='c'} 1\n# EOF\n", 1, 'double quotes'],
    ['a{,b="c"} 1\n# EOF\n', 1, 'expected a label name'],
    ['a{b="c"d="e"} 1\n# EOF\n', 1, 'expected "," or "}"'],
    ['a{b="c",,d="e"} 1\n# EOF\n', 1, 'expected a label name'],
    ['a{b=\n# EOF\n', 1, 'double quotes'],
    ['a{\xff="foo"} 1\n# EOF\n', 1, 'expected a label name'],
    ['{"a","b = "c"}\n# EOF\n', 1, 'expected "="'],
    ['{"a",b\\nc="d"} 1\n# EOF\n', 1, 'expected "="'],
    ['a true\n', 1, 'invalid sample value'],
    ['something_weird{problem="\n# EOF\n', 1, 'unterminated'],
    ['empty_label_name{=""} 0\n# EOF\n', 1, 'expected a label name'],
    ['{A}0\n# EOF\n', 1, 'expected "="'],
    ['foo 1_2\n\n# EOF\n', 1, 'invalid sample value'],
    ['foo 0x1p-3\n\n# EOF\n', 1, 'invalid sample value'],
    ['foo 0 1_2\n\n# EOF\n', 1, 'invalid timestamp'],
    ['custom_metric_total 1 # {aa=bb}\n# EOF\n', 1, 'double quotes'],
    ['custom_metric_total 1 # {aa="bb"}\n# EOF\n', 1, 'expected a value after the exemplar labels'],
    ['custom_metric_total 1 # {aa="bb"}', 1, 'expected a value after the exemplar labels'],
    ['custom_metric_total 1 # {bb}', 1, 'expected "="'],
    ['custom_metric_total 1 # {bb, a="dd"}', 1, 'expected "="'],
    ['custom_metric_total 1 # {aa="bb",,cc="dd"} 1', 1, 'expected a label name'],
    ['custom_metric_total 1 # {aa="bb"} 1_2', 1, 'invalid exemplar value'],
    ['custom_metric_total 1 # {aa="bb"} 0x1p-3', 1, 'invalid exemplar value'],
    ['custom_metric_total 1 # {aa="bb"} true', 1, 'invalid exemplar value'],
    ['custom_metric_total 1 # {aa="bb",cc=}', 1, 'double quotes'],
    ['custom_metric_total 1 # {aa=\\"\xff\\"} 9.0', 1, 'double quotes'],
    ['{b="c",} 1', 1, 'metric name not set'],
    ['a 1 NaN', 1, 'invalid timestamp "NaN"'],
    ['a 1 -Inf', 1, 'invalid timestamp "-Inf"'],
    ['a 1 Inf', 1, 'invalid timestamp "Inf"'],
    ['# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 NaN', 2, 'invalid exemplar timestamp "NaN"'],
    ['# TYPE hhh histogram\nhhh_bucket{le="+Inf"} 1 # {aa="bb"} 4 -Inf', 2, 'invalid exemplar timestamp "-Inf"'],
    ['a{b=\x00"ssss"} 1\n# EOF\n', 1, 'double quotes'],
    ['a{b="\x00', 1, 'unterminated'],
    ['a{b\x00="hiih"}\t1', 1, 'expected "="'],
    ['a\x00{b="ddd"} 1', 1, 'expected a space'],
    ['#', 1, 'no comments'],
    ['# H', 1, 'no comments'],
    ['custom_metric_total 1 # {b=\x00"ssss"} 1\n', 1, 'double quotes'],
  ])('refuses %j at line %i: %s', (body, line, reason) => {
    const error = errorOf(body, 'openmetrics');
    expect(error.line).toBe(line);
    expect(error.reason).toContain(reason);
    expect(error.message).toMatch(new RegExp(`^line ${line}: `));
  });

  it('accepts null bytes inside label values and # EOF without a final newline (TestOMNullByteHandling)', () => {
    expect(parseExposition('a{b="\x00"} 1\n# EOF', 'openmetrics').families[0]?.samples[0]?.labels.b).toBe('\x00');
  });
});

describe("Prometheus 3's quoted UTF-8 names (Prometheus TestOpenMetricsParse_UTF8)", () => {
  const input =
    String.raw`# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_created"} 1520872607.123
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
{"Heizölrückstoßabdämpfung 10€ metric with \"interesting\" {character\nchoices}","strange©™\n'quoted' \"name\""="6"} 10.0
quotedexemplar_count 1 # {"id.thing"="histogram-count-test"} 4
quotedexemplar2_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4
` + '# EOF\n';

  it('reads quoted metric names anywhere in the braces and quoted label names (OTel names keep their dots)', () => {
    const { families } = parseExposition(input, 'openmetrics');
    expect(family(families, 'go.gc_duration_seconds')).toMatchObject({
      type: 'summary',
      unit: 'seconds',
      help: 'A summary of the GC invocation durations.',
    });
    expect(family(families, 'go.gc_duration_seconds').samples.map(show)).toEqual([
      'go.gc_duration_seconds{quantile="0"} 0.000049351',
      'go.gc_duration_seconds{quantile="0.25"} 0.00007424100000000001',
      'go.gc_duration_seconds_created 1520872607.123',
      'go.gc_duration_seconds{quantile="0.5",a="b"} 0.000083835',
      'go.gc_duration_seconds_sum 0.004304266',
    ]);
    expect(family(families, 'http.status').samples.map(show)).toEqual(Array(3).fill('http.status{q="0.9",a="b"} 0.000083835'));
    const odd = families.find((f) => f.name.startsWith('Heiz'));
    expect(odd?.name).toBe('Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}');
    expect(odd?.samples[0]?.labels).toEqual({ 'strange©™\n\'quoted\' "name"': '6' });
    expect(family(families, 'quotedexemplar2_count').samples[0]?.exemplar?.labels).toEqual({
      'id.thing': 'histogram-count-test',
      other: 'hello',
    });
  });
});

describe('limits and refusals of Loupe', () => {
  it('fails the scrape past the series-per-scrape limit, naming the limit and the line', () => {
    const body = Array.from({ length: 11 }, (_, i) => `m{i="${i}"} 1`).join('\n');
    const error = (() => {
      try {
        parseExposition(body, 'prometheus-text', { ...SCRAPE_LIMITS, maxSeriesPerScrape: 10 });
      } catch (err) {
        return err as ExpositionError;
      }
      throw new Error('accepted');
    })();
    expect(error.line).toBe(11);
    expect(error.reason).toContain('series-per-scrape limit');
  });

  it('fails on too many labels, an over-long label value or a duplicate label', () => {
    const many = `m{${Array.from({ length: SCRAPE_LIMITS.maxLabelsPerSeries + 1 }, (_, i) => `l${i}="v"`).join(',')}} 1`;
    expect(errorOf(many, 'prometheus-text').reason).toContain('labels-per-series limit');
    expect(errorOf(`m{l="${'x'.repeat(SCRAPE_LIMITS.maxLabelValueLength + 1)}"} 1`, 'prometheus-text').reason).toContain('longer than');
    expect(errorOf('m{a="1",a="2"} 1', 'prometheus-text').reason).toContain('duplicate label name "a"');
    expect(errorOf('# TYPE m counter\n# TYPE m gauge\n', 'prometheus-text').reason).toContain('second # TYPE');
  });

  it('drops an exemplar over 128 characters of labels with a warning, keeping the sample', () => {
    const body = `# TYPE c counter\nc_total 1 # {trace_id="${'a'.repeat(130)}"} 1\n# EOF\n`;
    const { families, warnings } = parseExposition(body, 'openmetrics');
    expect(families[0]?.samples[0]).toEqual({ name: 'c_total', labels: {}, value: 1 });
    expect(warnings[0]).toContain('exemplar dropped');
  });
});

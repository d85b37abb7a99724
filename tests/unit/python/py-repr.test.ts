// HTTPHandler sends str() of each LogRecord field: the args' tuple repr is merged into msg as
// Python's `msg % args` would (checked against the real Python for each case), and exc_info's repr
// gives the exception; what can't be read safely is left alone.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exceptionOfExcInfoRepr, percentFormat, tupleOfRepr } from '../../../electron/engine/ingest/python/py-repr.js';

const CASES: [string, string][] = [
  ['order %s paid', "('A-1',)"],
  ['%d items at %.2f each, %r', "(3, 1.5, 'x')"],
  ['%s and %s', '(None, True)'],
  ['quote %s', `("it's",)`],
  ['escaped %s', "('tab\\there',)"],
  ['width [%5s] [%-3d]', "('ab', 7)"],
  ['100%% done %s', "('now',)"],
  ['unicode %s', "('h\\xe9 ☃',)"],
  ['negative %d %s', '(-4, -2.5)'],
];

describe('merging HTTPHandler args into msg', () => {
  const python = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import ast, json, sys; print(json.dumps([m % ast.literal_eval(a) for m, a in json.loads(sys.argv[1])]))',
        JSON.stringify(CASES),
      ],
      { encoding: 'utf8' },
    ),
  ) as string[];

  it.each(CASES.map((c, i) => [...c, i] as const))('%s %% %s as Python does', (msg, args, i) => {
    const tuple = tupleOfRepr(args);
    expect(tuple).toBeDefined();
    expect(percentFormat(msg, tuple!)).toBe(python[i]);
  });

  it('leaves what it cannot read: a dict, an object repr, a count that does not match', () => {
    expect(tupleOfRepr("({'a': 1},)")).toBeUndefined();
    expect(tupleOfRepr('(<object object at 0x7f>,)')).toBeUndefined();
    expect(percentFormat('%s %s', tupleOfRepr("('one',)")!)).toBeUndefined();
    expect(percentFormat('%d', tupleOfRepr("('text',)")!)).toBeUndefined();
  });
});

describe("the exception of exc_info's repr", () => {
  it('reads the type and message', () => {
    const repr = execFileSync(
      '/usr/bin/python3',
      ['-c', "import sys\ntry:\n  int('x')\nexcept ValueError:\n  print(str(sys.exc_info()), end='')"],
      { encoding: 'utf8' },
    );
    expect(exceptionOfExcInfoRepr(repr)).toEqual({ type: 'ValueError', message: "invalid literal for int() with base 10: 'x'" });
    expect(exceptionOfExcInfoRepr('None')).toBeUndefined();
  });
});

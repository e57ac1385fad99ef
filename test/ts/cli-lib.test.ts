/**
 * The CLI's small library pieces, table-driven: flag parsing (one line
 * naming the flag, the value and what was expected), oclif's parse errors
 * reworded to that form, exit codes by failure status, and formatting.
 */
import { EXIT, Failure, type FailureStatus, errorDocument, oneLine, toFailure } from '../../cli/src/lib/errors';
import { parseAlgorithms, parseCount, parseOutputFile, parseWindow } from '../../cli/src/lib/flags';
import { formatBytes, formatMicros, formatPercent, formatRatio, plural, table } from '../../cli/src/lib/format';
import { validate } from '../../cli/src/lib/schema';

describe('flag values', () => {
  test.each([
    ['5', 5],
    ['1', 1],
    ['100000', 100000],
  ])('--runs %s is %d', (input, n) => expect(parseCount('runs', input, 1, 100000)).toBe(n));

  test.each(['0', '100001', '-1', '1.5', '1e3', '0x10', ' 5', ''])('--runs `%s` is rejected in one line', (input) => {
    expect(() => parseCount('runs', input, 1, 100000)).toThrow(`--runs \`${input}\`: expected a whole number from 1 to 100000`);
  });

  test('algorithm lists: each known, none twice, spaces trimmed', () => {
    expect(parseAlgorithms('algos', 'known, gaps')).toEqual(['known', 'gaps']);
    expect(() => parseAlgorithms('algos', 'known,')).toThrow('--algos: algorithm ``: expected known, query, gaps, halving or ladder');
    expect(() => parseAlgorithms('algos', 'ladder,ladder')).toThrow('--algos: algorithm `ladder` twice: expected each at most once');
  });

  test('windows are left to vaoci-reserve except an empty one', () => {
    expect(parseWindow('va-limit', ' i386 ')).toBe('i386');
    expect(() => parseWindow('va-limit', ' ')).toThrow('--va-limit ` `: expected x86_64, i386 or 0xLOWER-0xUPPER');
  });

  test('output files: absolute, in an existing directory, not a directory', () => {
    expect(parseOutputFile('svg', '/tmp/x.svg')).toBe('/tmp/x.svg');
    expect(parseOutputFile('svg', 'x.svg')).toBe(`${process.cwd()}/x.svg`);
    expect(() => parseOutputFile('svg', '/tmp')).toThrow('--svg `/tmp`: expected a file path in an existing directory');
  });
});

describe('oclif parse errors, reworded as one line', () => {
  const flags = {
    names: ['va-limit', 'samples', 'json'],
    expected: (f: string) => (f === 'va-limit' ? 'x86_64, i386 or 0xLOWER-0xUPPER' : undefined),
  };
  test.each([
    ['Nonexistent flag: --foo\nSee more help with --help', 'flag `--foo`: unknown; expected --va-limit, --samples, --json'],
    ['Nonexistent flags: --a, --b\nSee more help with --help', 'flag `--a, --b`: unknown; expected --va-limit, --samples, --json'],
    [
      'The following error occurred:\n  \u001b[2mMissing required flag va-limit\u001b[22m\nSee more help with --help',
      '--va-limit: missing; expected x86_64, i386 or 0xLOWER-0xUPPER',
    ],
    ['Flag --samples expects a value', '--samples: missing value'],
    ['Unexpected argument: x\nSee more help with --help', 'argument `x`: unexpected; expected flags only (--va-limit, --samples, --json)'],
    ['Parsing --samples \n\tsomething odd\nSee more help with --help', 'something odd'],
  ])('%j', (message, line) => expect(oneLine(message, flags)).toBe(line));

  test('a Failure is kept; an oclif CLIError becomes invalid; anything else is rethrown', () => {
    const f = new Failure('x', 'tool');
    expect(toFailure(f, flags)).toBe(f);
    const cli = Object.assign(new Error('Nonexistent flag: --z'), { oclif: { exit: 2 } });
    expect(toFailure(cli, flags)).toMatchObject({ status: 'invalid', line: 'flag `--z`: unknown; expected --va-limit, --samples, --json' });
    const exit = Object.assign(new Error('EEXIT: 1'), { oclif: { exit: 1 }, code: 'EEXIT' });
    expect(() => toFailure(exit, flags)).toThrow('EEXIT');
    expect(() => toFailure(new TypeError('bug'), flags)).toThrow('bug');
  });
});

describe('exit codes and cli-error documents', () => {
  test.each([
    ['invalid', EXIT.invalid],
    ['missing', EXIT.invalid],
    ['failed', EXIT.failed],
    ['tool', EXIT.failed],
    ['system', EXIT.failed],
  ] as Array<[FailureStatus, number]>)('%s exits %d and its document validates', (status, exit) => {
    const f = new Failure('something went wrong', status);
    expect(f.exit).toBe(exit);
    const doc = errorDocument('reserve check', f);
    expect(doc).toEqual({ tool: 'vaoci', command: 'reserve check', ok: false, error: { status, message: 'something went wrong' } });
    expect(validate('cli-error', doc)).toEqual([]);
  });

  test('a multi-line message breaks the cli-error schema', () => {
    expect(validate('cli-error', errorDocument('probe', new Failure('a\nb', 'tool')))).toEqual([
      '/error/message: value "a\\nb" — expected to match pattern ^[^\\n]+$',
    ]);
  });

  test('withDocument keeps the line and status', () => {
    const f = new Failure('x', 'failed').withDocument({ a: 1 });
    expect([f.line, f.status, f.document]).toEqual(['x', 'failed', { a: 1 }]);
  });
});

describe('formatting', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [4096, '4 KiB'],
    [1536, '1.5 KiB'],
    [9302016, '8.9 MiB'],
    [140733183913984, '128.0 TiB'],
    [2n ** 47n, '128 TiB'],
  ])('formatBytes(%p) is %s', (n, text) => expect(formatBytes(n)).toBe(text));

  test('durations, ratios, percentages, plurals', () => {
    expect(formatMicros(41900)).toBe('41.9');
    expect([formatRatio(null), formatRatio(3.94), formatRatio(17.6)]).toEqual(['-', '3.94x', '17.6x']);
    expect(formatPercent(1)).toBe('100.000%');
    expect([plural(1, 'gap'), plural(0, 'gap'), plural(5, 'gap')]).toEqual(['1 gap', '0 gaps', '5 gaps']);
  });

  test('table: a header, aligned columns, right-aligned numbers, no trailing blanks', () => {
    const rows = [
      { a: 'known', n: '5' },
      { a: 'ladder', n: '1555' },
    ];
    const text = table(
      rows,
      [
        { header: 'algorithm', get: (r) => r.a },
        { header: 'n', get: (r) => r.n, align: 'right' },
      ],
      '  ',
    );
    expect(text).toBe(['  algorithm     n', '  known         5', '  ladder     1555'].join('\n'));
  });

  test('table without its header: a checklist aligned on its own cells (doctor, node status)', () => {
    const rows = [
      { s: 'ok', what: 'runtime', detail: '/usr/sbin/runc' },
      { s: 'warn', what: 'engine', detail: '' },
    ];
    const columns = [
      { header: 'status', get: (r: (typeof rows)[number]) => r.s },
      { header: 'check', get: (r: (typeof rows)[number]) => r.what },
      { header: 'detail', get: (r: (typeof rows)[number]) => r.detail },
    ];
    expect(table(rows, columns, '  ', { header: false })).toBe(['  ok    runtime  /usr/sbin/runc', '  warn  engine'].join('\n'));
    expect(table([], columns, '  ', { header: false })).toBe('');
  });
});

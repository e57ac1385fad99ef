/**
 * The binfmt rows of `make bench`'s arm64 section (cli/src/lib/benchreport/
 * binfmt): per kernel, x86-64 trues through binfmt_misc with qemu 10
 * registered plainly against vaoci-binfmt in front, each program held to
 * "≤ 1.05x", with what vaoci-binfmt reserved. The figures are given, not
 * measured.
 */
import { type Arm64Section, type BinfmtSection, buildReport } from '../../cli/src/lib/benchreport';
import { arm64Figures } from '../../cli/src/lib/benchreport/arm64';
import { binfmtFigure } from '../../cli/src/lib/benchreport/binfmt';

const PLAIN = 'registered plainly';
const FRONT = 'vaoci-binfmt in front';
const VAOCI = { window: 'x86_64', bytes: 140737479258112, regions: 5, nanoseconds: 2492672, algorithm: 'known' };

/** group is one program's two rows: every plain run at plainMs and the fronted ones at ratio times that (ms). */
function group(name: string, plainMs: number, ratio: number, runs = 200) {
  const times = (ms: number) => Array.from({ length: runs }, (_, i) => (ms + (i % 3) - 1) / 1e3);
  return {
    name,
    rows: [PLAIN, FRONT],
    results: [
      { command: PLAIN, times: times(plainMs) },
      { command: FRONT, times: times(plainMs * ratio) },
    ],
  };
}

const HOW = 'binfmt_misc, 200 runs each way per program in 10 rounds alternating which goes first';
const binfmt = (ratios: [number, number], vaoci: BinfmtSection['vaoci'] = VAOCI): BinfmtSection => ({
  how: HOW,
  load: 'in the VM',
  vaoci,
  groups: [
    group('x86-64 true, static (gcc -static)', 400, ratios[0]),
    group('x86-64 true, dynamic (Debian 12 amd64 coreutils)', 700, ratios[1]),
  ],
});

describe('binfmt rows: qemu 10 through binfmt_misc, plainly and with vaoci-binfmt in front', () => {
  test('one figure per kernel: its rows, medians and the ratio to the plain row', () => {
    const f = binfmtFigure(binfmt([1.02, 0.97]), 'arm64-6.12', '6.12 (52-bit VA)');
    expect(f.id).toBe('arm64-6.12-binfmt');
    expect(f.title).toBe('Short-lived x86-64 programs through binfmt_misc with qemu 10, in the arm64 VM on 6.12 (52-bit VA)');
    expect(f.how).toBe(`${HOW}; in the VM`);
    expect(f.rows.map((r) => [r[1], r[2], r[4], r[5]])).toEqual([
      [PLAIN, '400', '200', 'baseline'],
      [FRONT, '408', '200', '+8.00 ms, 1.02x'],
      [PLAIN, '700', '200', 'baseline'],
      [FRONT, '679', '200', '−21.0 ms, 0.97x'],
    ]);
    expect(f.charts.map((c) => c.file)).toEqual(['arm64-6.12-binfmt.svg']);
  });

  test('the goal per program: ≤ 1.05x is met (exactly 1.05 too), 1.06x is not', () => {
    const f = binfmtFigure(binfmt([1.05, 1.06]), 'arm64-6.1', '6.1 (48-bit VA)');
    expect(f.goals).toEqual([
      {
        text: 'arm64 6.1 (48-bit VA), x86-64 true, static (gcc -static): vaoci-binfmt in front of qemu 10 ≤ 1.05x registered plainly (emulated: ratios only)',
        measured: '1.05x (400 → 420 ms, 200 runs)',
        met: true,
      },
      {
        text: 'arm64 6.1 (48-bit VA), x86-64 true, dynamic (Debian 12 amd64 coreutils): vaoci-binfmt in front of qemu 10 ≤ 1.05x registered plainly (emulated: ratios only)',
        measured: '1.06x (700 → 742 ms, 200 runs)',
        met: false,
      },
    ]);
  });

  test('a program with one row measured has no goal; what vaoci-binfmt reserved is noted when known', () => {
    const s = binfmt([1, 1]);
    s.groups[1] = { ...s.groups[1], rows: [PLAIN, FRONT], results: [s.groups[1].results[0]] };
    const f = binfmtFigure(s, 'arm64-6.1', '6.1 (48-bit VA)');
    expect(f.goals).toHaveLength(1);
    expect(f.notes).toEqual(['vaoci-binfmt reserved 128.0 TiB in 5 regions for the x86_64 window (known) in 2492.7 µs, under TCG.']);
    expect(binfmtFigure(binfmt([1, 1], null), 'arm64-6.1', '6.1').notes).toEqual([]);
  });

  test('in the arm64 section: after each kernel’s reservation figure, only where measured; in the report with its SVG', () => {
    const s: Arm64Section = {
      how: 'vaoci-reserve bench in the arm64 VM',
      kernels: [
        { kernel: '6.1', probe: null, reports: [], binfmt: binfmt([1.01, 1.0]) },
        { kernel: '6.12', probe: null, reports: [] },
      ],
    };
    expect(arm64Figures(s).map((f) => f.id)).toEqual(['arm64-6.1', 'arm64-6.1-binfmt', 'arm64-6.12']);
    const { markdown, svgs } = buildReport({ arm64: s });
    expect(markdown).toContain(
      '| arm64 6.1, x86-64 true, static (gcc -static): vaoci-binfmt in front of qemu 10 ≤ 1.05x registered plainly',
    );
    expect(Object.keys(svgs)).toContain('arm64-6.1-binfmt.svg');
  });
});

/**
 * The arm64 section of `make bench`'s report (cli/src/lib/benchreport/arm64):
 * one figure per kernel of the matrix, each window held to "default ≥ 2x
 * faster than gap-fill, static and dynamic", met / not met / n/a, a failed
 * kernel, and the older one-kernel file. The figures are given, not measured.
 */
import { type Arm64Section, type Sections, buildReport, figures } from '../../cli/src/lib/benchreport';
import { arm64Figures, arm64Goal, arm64Kernels, kernelLabel, randomizedNote } from '../../cli/src/lib/benchreport/arm64';
import type { BenchReport, BenchResult, ProbeReport } from '../../cli/src/lib/reports';
import { benchResult } from './bench-fixtures';

const I386 = { text: 'i386', lower: '0x0', upper: '0x100000000', wraps: false };
const X86_64 = { text: 'x86_64', lower: '0x0', upper: '0x800000000000', wraps: false };

/** result is one bench row whose median makes its ratio to gaps (1 ms for gaps). */
function result(algorithm: BenchResult['algorithm'], process: BenchResult['process'], vsGaps: number | null, bytes = 1 << 30): BenchResult {
  return benchResult(algorithm, process, 1_000_000 / (vsGaps ?? 1), { runs: 30, speedup_vs_gaps: vsGaps, bytes, times_floor: 2 });
}

/** report is one window: the default's ratios to gaps, static then dynamic, with the gaps rows. */
function report(window: BenchReport['window'], staticVsGaps: number | null, dynamicVsGaps: number | null, bytes = 1 << 30): BenchReport {
  const results = [
    result('known', 'static', staticVsGaps, bytes),
    result('known', 'dynamic', dynamicVsGaps, bytes),
    result('gaps', 'static', 1, bytes),
    result('gaps', 'dynamic', 1, bytes),
  ];
  return { tool: 'vaoci-reserve', command: 'bench', arch: 'aarch64', ok: true, window, runs: 30, mappings: 0, results };
}

function probe(kernel: string, vaBits: number, pageSize: number): ProbeReport {
  return {
    tool: 'vaoci-reserve',
    command: 'probe',
    arch: 'aarch64',
    ok: true,
    kernel,
    va_bits: vaBits,
    task_size: vaBits === 52 ? '0x10000000000000' : '0x1000000000000',
    page_size: pageSize,
    mmap_min_addr: '0x1000',
    stack: { start: '0xffffc27c8000', end: '0xffffc27e9000' },
    rlimit_stack: 8388608,
    rlimit_as: 'unlimited',
    procmap_query: vaBits === 52,
  };
}

const HOW = 'vaoci-reserve bench in the arm64 VM (qemu-system-aarch64 TCG: compare ratios, not times)';
const P61 = probe('6.1.0-50-cloud-arm64', 48, 4096);
const P612 = probe('6.12.48+deb13-cloud-arm64', 52, 4096);
const P16K = probe('6.12.48+deb13-arm64-16k', 52, 16384);

const section: Arm64Section = {
  how: HOW,
  kernels: [
    { kernel: '6.1', probe: P61, reports: [report(I386, 2.31, 2.05), report(X86_64, 2.5, 2)], seconds: 41 },
    { kernel: '6.12', probe: P612, reports: [report(I386, 2.31, 1.2), report(X86_64, 3, 2.4)], seconds: 52 },
    { kernel: '6.12-16k', probe: P16K, reports: [report(I386, 1.99999999999, 4), report(X86_64, 2.1, null)], seconds: 47 },
  ],
};

const verdicts = (fs: ReturnType<typeof arm64Figures>) => fs.map((f) => [f.id, f.goals.map((g) => g.met)]);

describe('arm64: one figure per kernel of the matrix', () => {
  test('ids, titles, where and how name the kernel; rows and charts per window', () => {
    const fs = arm64Figures(section);
    expect(fs.map((f) => f.id)).toEqual(['arm64-6.1', 'arm64-6.12', 'arm64-6.12-16k']);
    expect(fs[2].title).toBe('Reservation, in the arm64 VM on 6.12-16k (kernel 6.12.48+deb13-arm64-16k, 52-bit VA)');
    expect(fs[0].how).toBe(`${HOW}; 30 fresh processes per row; 41 s on this kernel`);
    expect(fs[1].rows).toHaveLength(8);
    expect(fs[1].charts.map((c) => c.file)).toEqual(['arm64-6.12-i386.svg', 'arm64-6.12-x86_64.svg']);
    expect(fs[1].charts[0].chart.title).toBe('Reservation, i386, in the arm64 VM on 6.12');
    expect(fs.every((f) => f.notes.length === 0)).toBe(true);
  });

  test('kernel labels: VA bits, and pages when not 4K', () => {
    expect(arm64Kernels(section).map(kernelLabel)).toEqual(['6.1 (48-bit VA)', '6.12 (52-bit VA)', '6.12-16k (52-bit VA, 16K pages)']);
    expect(kernelLabel({ kernel: '6.12', probe: null, reports: [] })).toBe('6.12');
  });

  test('the goal per window replaces "ahead of gaps": ≥ 2x, static and dynamic', () => {
    const k = arm64Kernels(section)[1];
    expect(arm64Goal(k, k.reports[0])).toEqual({
      text: 'arm64 6.12 (52-bit VA), i386: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
      measured: 'static 2.31x, dynamic 1.20x',
      met: false,
    });
    expect(arm64Figures(section)[1].goals.map((g) => g.text)).toEqual([
      'arm64 6.12 (52-bit VA), i386: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
      'arm64 6.12 (52-bit VA), x86_64: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
    ]);
  });

  test('verdicts: exactly 2x is met, float noise below 2 too, 1.2x and a missing ratio are not', () => {
    expect(verdicts(arm64Figures(section))).toEqual([
      ['arm64-6.1', [true, true]],
      ['arm64-6.12', [false, true]],
      ['arm64-6.12-16k', [true, false]],
    ]);
    expect(arm64Figures(section)[2].goals[1].measured).toBe('static 2.10x, dynamic not measured');
    const k = { kernel: '6.1', probe: P61, reports: [report(I386, 1.999, 3)] };
    expect(arm64Goal(k, k.reports[0]).met).toBe(false);
    const onlyStatic: BenchReport = { ...k.reports[0], results: [result('known', 'static', 3)] };
    expect(arm64Goal(k, onlyStatic)).toMatchObject({ measured: 'static 3.00x, dynamic not measured', met: false });
  });

  test('a window with nothing to reserve: n/a with the reason', () => {
    const k = { kernel: '6.1', probe: P61, reports: [report(X86_64, 1, 1, 0)] };
    expect(arm64Goal(k, k.reports[0])).toMatchObject({ measured: 'nothing to reserve in this window on this kernel', met: null });
    expect(arm64Figures({ how: HOW, kernels: [k] })[0].charts).toEqual([]);
  });

  test('a failed kernel: its partial reports, a not-met goal saying why, a note; the others still render', () => {
    const s: Arm64Section = {
      how: HOW,
      kernels: [
        section.kernels[0],
        { kernel: '6.12', probe: P612, reports: [report(I386, 3, 3)], seconds: 300, error: 'bench_x86_64: no report' },
        { kernel: '6.12-16k', probe: null, reports: [], seconds: 5, error: 'the VM did not boot or did not finish (vm.sh rc=1)' },
      ],
    };
    const fs = arm64Figures(s);
    expect(verdicts(fs)).toEqual([
      ['arm64-6.1', [true, true]],
      ['arm64-6.12', [true, false]],
      ['arm64-6.12-16k', [false]],
    ]);
    expect(fs[1].goals[1]).toEqual({
      text: 'arm64 6.12 (52-bit VA): default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
      measured: 'FAILED: bench_x86_64: no report',
      met: false,
    });
    expect(fs[2].notes).toEqual(['**FAILED:** the VM did not boot or did not finish (vm.sh rc=1)']);
    expect(fs[2].title).toBe('Reservation, in the arm64 VM on 6.12-16k');
    expect(fs[2].rows).toEqual([]);
  });

  test('the randomized rows: a note per kernel, each process beside its fixed-address median; not a goal', () => {
    const fixed = report(I386, 3, 2.5);
    const randomized = report(I386, 2.2, 0.9);
    const k = { kernel: '6.12', probe: P612, reports: [fixed, report(X86_64, 3, 3)], randomized };
    const f = arm64Figures({ how: HOW, kernels: [k] })[0];
    expect(f.goals.map((g) => g.met)).toEqual([true, true]);
    expect(f.notes).toEqual([
      'With address randomization on, as on a node (same VM, 30 runs): i386 default static 454.5 µs (fixed: 333.3 µs), 2.20x vs gaps; ' +
        'dynamic 1111.1 µs (fixed: 400.0 µs), 0.90x vs gaps. The difference is qemu TCG translating the code again at each new address, ' +
        'which an arm64 CPU does not do; the goals use the fixed rows.',
    ]);
    expect(randomizedNote({ ...k, randomized: { ...randomized, results: [] } })).toBeNull();
    expect(randomizedNote({ ...k, reports: [] })).toContain('static 454.5 µs, 2.20x vs gaps;');
  });

  test('the older file (one kernel, no `kernels`) is one kernel named by its probe', () => {
    const old: Arm64Section = { how: HOW, probe: P61, reports: [report(I386, 1.93, 1.14), report(X86_64, 2.32, 2.1)] };
    const fs = arm64Figures(old);
    expect(fs.map((f) => f.id)).toEqual(['arm64-6.1.0-50-cloud-arm64']);
    expect(fs[0].goals.map((g) => [g.text, g.measured, g.met])).toEqual([
      [
        'arm64 6.1.0-50-cloud-arm64 (48-bit VA), i386: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
        'static 1.93x, dynamic 1.14x',
        false,
      ],
      [
        'arm64 6.1.0-50-cloud-arm64 (48-bit VA), x86_64: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only)',
        'static 2.32x, dynamic 2.10x',
        true,
      ],
    ]);
    expect(arm64Kernels({ how: HOW, probe: null, reports: [] })).toEqual([{ kernel: 'unknown kernel', probe: null, reports: [] }]);
  });

  test('the report: every kernel after the other sections, its goals in the table, one SVG per kernel and window', () => {
    const s: Sections = { arm64: section };
    expect(figures(s).map((f) => f.id)).toEqual(['arm64-6.1', 'arm64-6.12', 'arm64-6.12-16k']);
    const { markdown, svgs } = buildReport(s);
    expect(markdown).toContain(
      '| Reservation, in the arm64 VM on 6.12 (kernel 6.12.48+deb13-cloud-arm64, 52-bit VA) | arm64 6.12 (52-bit VA), i386: default (known) ≥ 2x faster than FEX-style gap-fill, static and dynamic (emulated: ratios only) | static 2.31x, dynamic 1.20x | not met |',
    );
    expect(markdown).not.toContain('ahead of FEX-style gap-fill');
    expect(Object.keys(svgs)).toHaveLength(6);
    expect(Object.keys(svgs)).toContain('arm64-6.12-16k-x86_64.svg');
  });
});

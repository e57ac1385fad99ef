/**
 * The shapes of `make bench`: what each section script writes into
 * build/bench/*.json (test/bench/), and the figures the report makes of them.
 */
import type { BenchReport, ProbeReport } from '../reports';

/** HyperfineGroup is one group of rows as test/bench/lib.sh's hyperfine_group writes it: every run of every round. */
export interface HyperfineGroup {
  name: string;
  /** rows names the rows (hyperfine's -n names) in the order to show them; the first is the baseline. */
  rows: string[];
  results: Array<{ command: string; times: number[] }>;
}

/** TimingSection is a hyperfine section's file (process, launch, container, cli). */
export interface TimingSection {
  how: string;
  load: string;
  groups: HyperfineGroup[];
}

/** ReserveSection is a vaoci-reserve bench section's file (reservation, growth, arm64). */
export interface ReserveSection {
  how: string;
  load?: string;
  /** probe is the arm64 VM's `vaoci-reserve probe` (arm64 only). */
  probe?: ProbeReport | null;
  reports: BenchReport[];
}

/** Arm64Kernel is one kernel of the arm64 matrix in the arm64 section (test/arm64/bench.sh). */
export interface Arm64Kernel {
  /** kernel is the matrix's name (test/arm64/kernel.sh): 6.1, 6.12, 6.12-16k. */
  kernel: string;
  /** probe is the VM's `vaoci-reserve probe`; null when it printed none. */
  probe: ProbeReport | null;
  reports: BenchReport[];
  /**
   * randomized is the i386 rows known, floor and gaps again with address
   * randomization on, as on a node (the reports run with addresses fixed:
   * TCG translates code per virtual address, a cost no arm64 CPU has).
   */
  randomized?: BenchReport;
  /** binfmt is the binfmt rows (test/arm64/bench/binfmt.sh): x86-64 programs through binfmt_misc, qemu 10 plainly and fronted. */
  binfmt?: BinfmtSection;
  /** seconds test/arm64/bench.sh spent on the kernel: setting up, booting, the runs. */
  seconds?: number;
  /** error says why the kernel failed (its VM did not finish, a report is missing, failed runs). */
  error?: string;
}

/** BinfmtSection is one kernel's binfmt rows: a group per program, rows registered plainly then vaoci-binfmt in front. */
export interface BinfmtSection extends TimingSection {
  /** vaoci is vaoci-binfmt's VAOCI_DEBUG=json line from the run that proved it was in front. */
  vaoci?: { window?: string; bytes?: number; regions?: number; nanoseconds?: number; algorithm?: string } | null;
}

/** Arm64Section is the arm64 section's file: one entry per kernel; an older file is one kernel's ReserveSection. */
export type Arm64Section = { how: string; kernels: Arm64Kernel[] } | ReserveSection;

/** Sections are the files of one `make bench` run; a section not run is absent. */
export interface Sections {
  reservation?: ReserveSection;
  growth?: ReserveSection;
  process?: TimingSection;
  launch?: TimingSection;
  container?: TimingSection;
  cli?: TimingSection;
  arm64?: Arm64Section;
}

/** Machine is test/bench/run.sh's record of where and when it ran. */
export interface Machine {
  date: string;
  host: string;
  kernel: string;
  cpu: string;
  cpus: number;
  load_start: string;
  load_end: string;
  /** seconds each section took, in the order run. */
  seconds: Record<string, number>;
  /** failed names the sections whose script failed (see build/bench/NAME.log). */
  failed: string[];
  /** reference: `node -e 0` timed before any section, on the machine as it was at the start (none when the run has no CLI section). */
  reference?: { command: string; median: number; runs: number };
}

/** Goal is one of the README's goals against its figure: met is null when it does not apply here. */
export interface Goal {
  text: string;
  measured: string;
  met: boolean | null;
  /** doubt says why the verdict may not hold: the conditions of the run moved under it. */
  doubt?: string;
}

/** Bar is one bar: its value, an optional spread (low..high) and a note printed after it (a ratio). */
export interface Bar {
  label: string;
  value: number;
  low?: number;
  high?: number;
  note?: string;
  /** tone: base for the baseline, vaoci for vaoci's rows, contrast for rows shown for comparison. */
  tone: 'base' | 'vaoci' | 'contrast';
}

/** BarChart is horizontal bars in groups, on one linear axis, with an optional goal line. */
export interface BarChart {
  kind: 'bar';
  title: string;
  unit: string;
  /** caption says what a bar and its whisker are: "median µs, whisker min–p90". */
  caption: string;
  groups: Array<{ name: string; bars: Bar[] }>;
  /** legend names what each tone used stands for. */
  legend: Partial<Record<Bar['tone'], string>>;
  goal?: { value: number; label: string };
}

/** Series is one line of a line chart: its points (x, y), both positive. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/** LineChart is lines on log-log axes. */
export interface LineChart {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

/** Figure is one part of the report: a table, its goals with their verdicts, and its charts. */
export interface Figure {
  id: string;
  title: string;
  how: string;
  columns: string[];
  rows: string[][];
  goals: Goal[];
  /** charts by file name (build/bench/FILE). */
  charts: Array<{ file: string; chart: BarChart | LineChart }>;
  notes: string[];
}

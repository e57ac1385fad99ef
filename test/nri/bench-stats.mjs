// The NRI bench's figures (test/nri/run.sh bench): for each variant the
// median CreateContainer, StartContainer and both through CRI, the median
// difference to bare with a 95% bootstrap interval (containers resampled
// within each variant), and the processes the machine created per
// container (median over rounds). The verdict on issue 16's goal (NRI <= +0.5 ms over bare, no
// process per container) is "met" only when the whole interval is within
// the goal, "not met" when it is wholly outside, else "not decided": a noisy
// run says so instead of passing or failing on luck.
//
//   node test/nri/bench-stats.mjs DIR    reads DIR/bench-VARIANT.us
import * as fs from 'node:fs';
import * as path from 'node:path';

const GOAL_MS = 0.5;
// nri-floor: vaoci-nri connected but answering at once (the pod's namespace not allowed): what NRI
// itself costs the engine, which no plugin can go below
const VARIANTS = ['bare', 'nri-floor', 'wrapper', 'nri-unannotated', 'nri'];
const RESAMPLES = 2000;

const dir = process.argv[2];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
// a small deterministic generator: the same files give the same interval
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const resample = (xs) => xs.map(() => xs[Math.floor(random() * xs.length)]);

/**
 * read gives a variant's containers ({create, start, both} in ms) and its processes per container:
 * the median over rounds of the round's count (/proc/stat, machine-wide) over its containers, so
 * a burst of other work on the machine moves one round, not the figure.
 */
function read(variant) {
  const file = path.join(dir, `bench-${variant}.us`);
  const rows = [];
  const perRound = [];
  let inRound = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = /^# forks (\d+)$/.exec(line);
    if (f && inRound) perRound.push(Number(f[1]) / inRound);
    if (f) inRound = 0;
    else if (/^\d+ \d+$/.test(line)) {
      const [c, s] = line.split(' ').map((x) => Number(x) / 1000);
      rows.push({ create: c, start: s, both: c + s });
      inRound++;
    }
  }
  return { rows, forks: median(perRound) };
}

const data = Object.fromEntries(VARIANTS.map((v) => [v, read(v)]));
const both = (v) => data[v].rows.map((r) => r.both);
const create = (v) => data[v].rows.map((r) => r.create);

/**
 * over gives the median difference to `base` of create+start (`of`: another column, e.g. create,
 * where NRI acts and StartContainer's larger noise is left out) and its 95% interval.
 */
function over(v, base = 'bare', of = both) {
  const a = of(v);
  const b = of(base);
  const diffs = [];
  for (let i = 0; i < RESAMPLES; i++) diffs.push(median(resample(a)) - median(resample(b)));
  diffs.sort((x, y) => x - y);
  return { diff: median(a) - median(b), lo: diffs[Math.floor(RESAMPLES * 0.025)], hi: diffs[Math.floor(RESAMPLES * 0.975)] };
}

const ms = (x) => x.toFixed(2);
const sign = (x) => (x >= 0 ? '+' : '') + ms(x);
console.log(`     CRI from one client, ${data.bare.rows.length} containers per variant (ms; median):`);
console.log('       variant            create   start    both   over bare (95% interval)   processes/container');
for (const v of VARIANTS) {
  const r = data[v].rows;
  const o = v === 'bare' ? null : over(v);
  const extra = o ? `${sign(o.diff)} [${sign(o.lo)}, ${sign(o.hi)}]` : '';
  const forks = v === 'bare' ? ms(data[v].forks) : `${ms(data[v].forks)} (${sign(data[v].forks - data.bare.forks)})`;
  console.log(
    `       ${v.padEnd(18)} ${ms(median(r.map((x) => x.create))).padStart(6)} ${ms(median(r.map((x) => x.start))).padStart(7)} ${ms(median(both(v))).padStart(7)}   ${extra.padEnd(26)} ${forks}`,
  );
}
const span = (o) => `${sign(o.diff)} ms [${sign(o.lo)}, ${sign(o.hi)}]`;
console.log(
  `     NRI's own floor (a connected plugin that answers at once) over bare: ${span(over('nri-floor'))}; CreateContainer alone ${span(over('nri-floor', 'bare', create))}`,
);
for (const v of ['nri-unannotated', 'nri']) {
  console.log(
    `     vaoci-nri's share, ${v} over the floor: ${span(over(v, 'nri-floor'))}; CreateContainer alone ${span(over(v, 'nri-floor', create))}`,
  );
}
for (const v of ['nri-unannotated', 'nri']) {
  const o = over(v);
  const time = o.hi <= GOAL_MS ? 'met' : o.lo > GOAL_MS ? 'not met' : 'not decided (the interval spans the goal)';
  const procs = data[v].forks - data.bare.forks;
  console.log(
    `     goal ${v}: <= +${GOAL_MS} ms over bare: ${time}; processes per container over bare: ${sign(procs)} (${procs < 0.5 ? 'none' : 'some'})`,
  );
}

// vaoci chart: the `helm test` check, run as `node -e` in a pod with
// runtimeClassName vaoci and vaoci.io/va-limit.check: i386. The runtime
// wrapper must have given this container the preload and its window, and the
// preload must have reserved the address space above 4 GiB before Node ran:
// every free page above 4 GiB is a place the kernel could hand out. The only
// free room allowed there is the main stack's growth zone (what vaoci keeps
// free on purpose: min(RLIMIT_STACK, 256 MiB) + the kernel's 1 MiB guard gap
// below the stack's top). Exit 0 and one line when it holds; else one line
// per problem, naming what to check. The hook's own verify (on-error fail
// kills the process) runs too; this is the view from inside.
'use strict';
const fs = require('node:fs');

const LIMIT = 1n << 32n; // i386: [mmap_min_addr, 4 GiB)
const MIB = 1n << 20n;
const PAGE = 4096n;
const TOPS = [39n, 42n, 47n, 48n, 52n, 56n].map((b) => 1n << b); // user-space sizes of arm64 and x86-64 kernels
const KERNEL_HALF = 1n << 56n; // [vsyscall] and friends: not user space

/** parseMaps turns /proc/PID/maps text into [{start, end, perms, name}], sorted. */
function parseMaps(text) {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [range, perms, , , , ...rest] = line.trim().split(/\s+/);
      const [start, end] = range.split('-').map((h) => BigInt(`0x${h}`));
      return { start, end, perms, name: rest.join(' ') };
    })
    .filter((m) => m.start < KERNEL_HALF)
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** stackRoom is min(RLIMIT_STACK soft, 256 MiB) + 1 MiB, from /proc/PID/limits text. */
function stackRoom(limits) {
  const m = /^Max stack size\s+(\S+)/m.exec(limits);
  const soft = m && m[1] !== 'unlimited' ? BigInt(m[1]) : 256n * MIB;
  return (soft < 256n * MIB ? soft : 256n * MIB) + MIB;
}

/**
 * freeAbove lists the free ranges in [limit, top of user space) that are not
 * the stack's growth zone. The top is the smallest known user-space size at or
 * above the highest mapping; up to one page below it may stay free (x86-64's
 * last page is never mappable).
 */
function freeAbove(maps, limit, room) {
  const stack = maps.find((m) => m.name === '[stack]');
  const last = maps.length ? maps[maps.length - 1].end : 0n;
  const top = TOPS.find((t) => t >= last) ?? last;
  const free = [];
  let cursor = limit;
  for (const m of [...maps, { start: top, end: top }]) {
    const from = cursor > limit ? cursor : limit;
    if (m.start > from) {
      let [lo, hi] = [from, m.start];
      const zone = stack ? stack.end - room : 0n; // the growth zone starts here and runs up to the stack
      if (stack && hi === stack.start) hi = zone > lo ? zone : lo;
      if (m.start === top && hi - lo <= PAGE) lo = hi;
      if (hi > lo) free.push([lo, hi]);
    }
    if (m.end > cursor) cursor = m.end;
  }
  return free;
}

/** size says how many bytes in the largest unit that keeps an integer part. */
function size(bytes) {
  for (const [unit, shift] of [
    ['TiB', 40n],
    ['GiB', 30n],
    ['MiB', 20n],
  ])
    if (bytes >= 1n << shift) return `${bytes >> shift} ${unit}`;
  return `${bytes >> 10n} KiB`;
}

/** check returns the problems with this process (empty: the window holds) and a summary. */
function check(env, mapsText, limitsText) {
  const problems = [];
  if (env.VAOCI_VA_LIMIT !== 'i386') {
    problems.push(
      `VAOCI_VA_LIMIT is ${JSON.stringify(env.VAOCI_VA_LIMIT ?? null)}, expected "i386": the runtime wrapper did not apply this pod's policy — ` +
        'is the pod on a node labelled vaoci.io/ready=true with runtimeClassName set, and does the engine pass vaoci.io/* annotations (vaoci node status)?',
    );
  }
  const preload = (env.LD_PRELOAD ?? '').split(/[: ]/).find((p) => p.includes('vaoci'));
  const maps = parseMaps(mapsText);
  if (!preload) problems.push(`LD_PRELOAD ${JSON.stringify(env.LD_PRELOAD ?? '')} names no vaoci preload`);
  else if (!maps.some((m) => m.name === preload))
    problems.push(`the preload ${preload} is not mapped in this process (not bound into the container?)`);
  const free = freeAbove(maps, LIMIT, stackRoom(limitsText));
  const total = free.reduce((sum, [lo, hi]) => sum + (hi - lo), 0n);
  if (free.length) {
    const first = free[0];
    problems.push(
      `${size(total)} above 4 GiB are free in ${free.length} range(s), first 0x${first[0].toString(16)}-0x${first[1].toString(16)}: the i386 window does not hold`,
    );
  }
  return {
    problems,
    summary: `vaoci test: window i386 holds in pid ${process.pid} (preload ${preload}; nothing above 4 GiB is free but the stack's growth zone)`,
  };
}

module.exports = { parseMaps, stackRoom, freeAbove, check };

// Run when executed (`node -e` in the pod, or `node selftest.js`), not when required by the tests.
if (module.id === '[eval]' || require.main === module) {
  const { problems, summary } = check(
    process.env,
    fs.readFileSync('/proc/self/maps', 'utf8'),
    fs.readFileSync('/proc/self/limits', 'utf8'),
  );
  for (const p of problems) process.stderr.write(`vaoci test: ${p}\n`);
  if (problems.length) process.exit(1);
  process.stdout.write(`${summary}\n`);
}

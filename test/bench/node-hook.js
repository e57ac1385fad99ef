#!/usr/bin/env node
/*
 * The contrast row of `make bench`'s per-container figure (test/bench/container.sh),
 * never installed anywhere: the per-container hook's job done in Node.js, to show
 * what a Node process per container costs and so why vaoci's data plane is native.
 * Run as the poststart hook in vaoci-hook's place (same arguments), it:
 *   - reads the OCI state on stdin, the node config ($VAOCI_CONFIG) and the bundle's config.json;
 *   - detects the entrypoint and binfmt_misc and resolves the policy with the TypeScript
 *     resolver (cli/src/lib/policy as built into build/ts, the one `vaoci explain` uses);
 *   - reads /proc/PID/maps and counts what lies outside the window that is not a reservation;
 *   - writes a small report to reports_dir atomically (temporary file, fsync, rename).
 * It does not wait for the process to exec or for the preload to reserve (vaoci-hook polls),
 * hand a waiting runtime to a watcher, write schemas/hook-report.schema.json's report, log,
 * or stop a process under on-error fail. It does less than vaoci-hook: its cost is a floor.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const lib = path.join(__dirname, '..', '..', 'build', 'ts', 'cli', 'src', 'lib');
const { detect, resolvePolicy } = require(path.join(lib, 'policy'));
const { readMaps, isReservation } = require(path.join(lib, 'maps'));
const { writeAtomic } = require(path.join(lib, 'atomic'));

/** flag returns the value after NAME in this hook's arguments, as vaoci-hook takes them. */
function flag(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** outsideCount counts the mappings of pid outside [lower, upper) that are not reservations; null when it is gone. */
function outsideCount(pid, lower, upper) {
  try {
    return readMaps(pid).filter((e) => !isReservation(e) && e.name !== '[vsyscall]' && (e.start < lower || e.end > upper)).length;
  } catch {
    return null; // /bin/true has usually exited by now, as it has for vaoci-hook
  }
}

function main() {
  const state = JSON.parse(fs.readFileSync(0, 'utf8'));
  const nodeConfig = JSON.parse(fs.readFileSync(process.env.VAOCI_CONFIG || '/etc/vaoci/config.json', 'utf8'));
  const config = JSON.parse(fs.readFileSync(path.join(state.bundle, 'config.json'), 'utf8'));
  const detected = detect({ bundle: state.bundle, config, binfmtDir: nodeConfig.binfmt_dir });
  const resolution = resolvePolicy({ annotations: config.annotations || {}, nodeConfig, container: flag('--container') || '', detected });
  const window = resolution.ok ? resolution.policy.window : null;
  const outside = window ? outsideCount(state.pid, BigInt(window.lower), BigInt(window.upper)) : null;
  const report = { tool: 'node-hook', id: state.id, pid: state.pid, resolution, outside, holds: outside === null ? null : outside === 0 };
  const dir = nodeConfig.reports_dir || '/run/vaoci';
  fs.mkdirSync(dir, { recursive: true });
  writeAtomic(path.join(dir, `${state.id}.json`), `${JSON.stringify(report)}\n`);
  if (!resolution.ok) {
    process.stderr.write(`node-hook: ${resolution.errors[0]}\n`);
    process.exitCode = 1;
  }
}

main();

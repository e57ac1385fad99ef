// Writes what `vaoci node install` puts in front of a static qemu-x86_64,
// with the installer's own functions (cli/src/lib/bundle.ts, lib/node/binfmt.ts,
// built by make build): the bundle file, and the line it writes to binfmt_misc's
// register. The VM has no node; its driver makes the same two writes the
// installer's applyBinfmt makes (the line to `register`, 0 to the fronted entry).
//   node front.js LAUNCHER EMULATOR-FILE EMULATOR-PATH REGISTRATION-TEXT-FILE BUNDLE-NODE-PATH OUT-BUNDLE OUT-LINE
const fs = require('node:fs');
const path = require('node:path');
const ts = path.join(__dirname, '..', '..', '..', 'build', 'ts', 'cli', 'src', 'lib');
const { buildBundle, launchConfigText } = require(path.join(ts, 'bundle.js'));
const { registerLine } = require(path.join(ts, 'node', 'binfmt.js'));
const { parseRegistration } = require(path.join(ts, 'policy', 'binfmt.js'));

const [launcher, emulatorFile, emulatorPath, regFile, bundlePath, outBundle, outLine] = process.argv.slice(2);
const front = parseRegistration('qemu-x86_64', fs.readFileSync(regFile, 'latin1'));
fs.writeFileSync(
  outBundle,
  buildBundle(fs.readFileSync(launcher), fs.readFileSync(emulatorFile), launchConfigText({ emulator: emulatorPath, va_limit: 'x86_64' })),
  { mode: 0o755 },
);
fs.writeFileSync(
  outLine,
  `${registerLine('vaoci-qemu-x86_64', front, bundlePath, front.flags.includes('F') ? front.flags : `${front.flags}F`)}\n`,
);

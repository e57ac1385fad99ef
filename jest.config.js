/**
 * Two jest projects. `unit` is every test/ts/*.test.ts not listed in SYSTEM:
 * no root, nothing from build/tools, no container runtime, no registry —
 * make check runs it (npx jest --selectProjects unit), and
 * test/ts/support/unit-guard.ts fails a unit test that starts such a
 * program or skips itself, so a test that needs more cannot hide there.
 * `system` is SYSTEM: make test-ts runs it, after make build and make tools,
 * as root. A plain `npx jest` runs both.
 */
const fs = require('node:fs');
const path = require('node:path');

const SYSTEM = [
  'chart', // build/tools/helm
  'doctor-engine', // root: chroot into a node tree
  'image', // root, podman, skopeo: the chart's image
  'image-cache', // a real overlay mount
  'image-demo', // root: overlay mount, chroot
  'image-podman', // podman
  'image-registry', // docker-registry, skopeo
  'image-rootfs', // root: overlay mounts
  'image-unpack', // root: owners, device nodes
  'image-unpack-property', // root: the unpacker on real files
  'node-install', // the real binfmt_misc, containerd config dump
  'node-install-containerd', // containerd 1.6 and build/tools' 2.2.1
  'node-restart', // root: chroot into a node tree
  'run-args', // root: runc and crun
  'run-container', // root: runc and crun
  'version-runtime', // a real runc or crun
];

// A listed name that matches no file would leave a renamed system test in the unit set.
for (const name of SYSTEM) {
  if (!fs.existsSync(path.join(__dirname, 'test', 'ts', `${name}.test.ts`)))
    throw new Error(`jest.config.js: SYSTEM lists ${name}, but test/ts/${name}.test.ts does not exist`);
}

/** @type {import('ts-jest').JestConfigWithTsJest} */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/ts'],
};

const systemFiles = SYSTEM.map((name) => `<rootDir>/test/ts/${name}.test.ts`);

module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/ts/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SYSTEM.map((name) => `/test/ts/${name}\\.test\\.ts$`)],
      setupFilesAfterEnv: ['<rootDir>/test/ts/support/unit-guard.ts'],
    },
    { ...common, displayName: 'system', testMatch: systemFiles },
  ],
};

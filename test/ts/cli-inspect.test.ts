/**
 * `vaoci inspect` prints JSON by default, as podman inspect does, and text
 * for a person with --format text; `vaoci ps` prints its table through the
 * one table renderer (lib/format.ts). Both on an index written here (no
 * container runs: that is run-container.test.ts, as root).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateDir, type ContainerEntry } from '../../cli/src/lib/run/state';
import { validate } from '../../cli/src/lib/schema';
import { tempDir, vaoci } from './cli-helpers';

const state = tempDir('inspect');
afterAll(() => fs.rmSync(state, { recursive: true, force: true }));

const entry = (id: string, o: Partial<ContainerEntry> = {}): ContainerEntry => ({
  id,
  image: 'demo',
  config_digest: `sha256:${'a'.repeat(64)}`,
  image_arch: 'amd64',
  runtime: '/usr/bin/runc',
  args: ['/bin/probe', '--below', '0x100000000'],
  annotations: { 'vaoci.io/va-limit': 'i386' },
  bundle: path.join(state, 'containers', id),
  created: '2026-11-25T01:00:00.000Z',
  finished: '2026-11-25T01:00:01.000Z',
  status: 'exited',
  exit_code: 0,
  report: null,
  ...o,
});

beforeAll(() => {
  const s = new StateDir(state);
  s.put(entry('abcdef012345'));
  s.put(
    entry('0123456789ab', {
      image: 'oci:/srv/img',
      annotations: {},
      args: ['/bin/sh'],
      status: 'running',
      exit_code: null,
      finished: null,
      created: '2026-11-25T02:00:00.000Z',
    }),
  );
});

const run = (args: string[]) => vaoci(args, { VAOCI_STATE: state });

describe('vaoci inspect', () => {
  test('JSON by default: {container, report}, valid against cli-inspect; the same as --json', async () => {
    const r = await run(['inspect', 'abcdef']);
    expect(r.exit).toBe(0);
    expect(r.json).toEqual({ container: entry('abcdef012345'), report: null });
    expect(validate('cli-inspect', r.json)).toEqual([]);
    expect((await run(['inspect', 'abcdef', '--json'])).json).toEqual(r.json);
    expect((await run(['inspect', '--format', 'json', 'abcdef'])).json).toEqual(r.json);
  });

  test("--format text: a line per field, the report's verdict last", async () => {
    const r = await run(['inspect', '--format', 'text', 'abcdef']);
    expect(r.exit).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id:        abcdef012345');
    expect(lines).toContain('annotation vaoci.io/va-limit=i386');
    expect(lines.at(-1)).toBe('report:    none (no window)');
  });

  test('--json wins over --format text: the document, as on every command', async () => {
    expect((await run(['inspect', '--format', 'text', '--json', 'abcdef'])).json).toEqual({
      container: entry('abcdef012345'),
      report: null,
    });
  });

  test('a Go template is refused in one line, exit 2', async () => {
    const r = await run(['inspect', '--format', '{{.Id}}', 'abcdef']);
    expect([r.exit, r.stderr]).toEqual([2, 'vaoci inspect: --format `{{.Id}}`: expected json or text (Go templates are not supported)\n']);
  });
});

test('vaoci ps: one table, newest first, columns two spaces apart, no trailing blanks', async () => {
  const r = await run(['ps']);
  expect(r.exit).toBe(0);
  expect(r.stdout.trimEnd().split('\n')).toEqual([
    'ID            IMAGE         STATUS      VA-LIMIT  CREATED                   COMMAND',
    '0123456789ab  oci:/srv/img  running     auto      2026-11-25T02:00:00.000Z  /bin/sh',
    'abcdef012345  demo          exited (0)  i386      2026-11-25T01:00:00.000Z  /bin/probe --below 0x100000000',
  ]);
});

/**
 * `vaoci hooks STAGE`: the oci-hooks(5) files. The documents are checked
 * against schemas/oci-hook.schema.json and their gate is evaluated the way
 * podman and CRI-O do (key regex, value regex). Real podman reads the
 * precreate file in test/hook/podman.sh.
 */
import { validate } from '../../cli/src/lib/schema';
import { vaoci } from './cli-helpers';

/** gated applies the document's `when.annotations` as oci-hooks(5) says: any annotation matching a pair. */
function gated(doc: { when: { annotations: Record<string, string> } }, annotations: Record<string, string>): boolean {
  return Object.entries(doc.when.annotations).some(([k, v]) =>
    Object.entries(annotations).some(([ak, av]) => new RegExp(k).test(ak) && new RegExp(v).test(av)),
  );
}

describe('vaoci hooks', () => {
  it.each(['precreate', 'createRuntime', 'poststart'])('%s: a valid oci-hooks(5) document for that stage only', async (stage) => {
    const r = await vaoci(['hooks', stage]);
    expect(r.exit).toBe(0);
    expect(validate('oci-hook', r.json)).toEqual([]);
    expect(r.json).toMatchObject({ stages: [stage], hook: { path: '/opt/vaoci/bin/vaoci-hook', args: ['vaoci-hook', stage] } });
    expect(r.json?.hook.env).toBeUndefined(); // the default node config needs no VAOCI_CONFIG
  });

  it('runs only for containers with a vaoci.io/ annotation', async () => {
    const { json } = await vaoci(['hooks', 'poststart']);
    const doc = json as { when: { annotations: Record<string, string> } };
    expect(gated(doc, { 'vaoci.io/va-limit': 'i386' })).toBe(true);
    expect(gated(doc, { 'vaoci.io/va-limit.app': 'x86_64', 'io.kubernetes.pod.name': 'p' })).toBe(true);
    expect(gated(doc, { 'io.kubernetes.pod.name': 'p', 'example.com/vaoci.io': 'x' })).toBe(false);
    expect(gated(doc, { 'vaociXio/va-limit': 'i386' })).toBe(false);
    expect(gated(doc, {})).toBe(false);
  });

  it('--prefix, --hook-path and --node-config place the hook', async () => {
    const a = await vaoci(['hooks', 'createRuntime', '--prefix', '/usr/local/vaoci/', '--node-config', '/etc/vaoci/crio.json']);
    expect(a.json?.hook).toEqual({
      path: '/usr/local/vaoci/bin/vaoci-hook',
      args: ['vaoci-hook', 'createRuntime'],
      env: ['VAOCI_CONFIG=/etc/vaoci/crio.json'],
    });
    const b = await vaoci(['hooks', 'poststart', '--prefix', '/x', '--hook-path', '/srv/hook', '--json']);
    expect(b.json?.hook.path).toBe('/srv/hook');
    const c = await vaoci(['hooks', 'poststart', '--node-config', '/etc/vaoci/config.json']);
    expect(c.json?.hook.env).toBeUndefined();
  });

  it.each([
    [['hooks', 'prestart'], 'vaoci hooks: stage `prestart`: expected one of precreate, createRuntime, poststart'],
    [['hooks'], 'vaoci hooks: stage: missing; expected one of precreate, createRuntime, poststart'],
    [['hooks', 'poststart', '--prefix', 'opt/vaoci'], 'vaoci hooks: --prefix `opt/vaoci`: expected an absolute path'],
    [['hooks', 'poststart', '--node-config', 'config.json'], 'vaoci hooks: --node-config `config.json`: expected an absolute path'],
  ])('bad input %j: one line, exit 2, nothing on stdout', async (args, line) => {
    const r = await vaoci(args);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });
});

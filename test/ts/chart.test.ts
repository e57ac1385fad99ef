/**
 * The Helm chart (charts/vaoci) with the real helm (build/tools/helm, built by
 * .ci/install-helm): lint, template with default and non-default values, the
 * schema rejecting nonsense, and the rendered manifests checked object by
 * object — the node config against schemas/node-config.schema.json, the
 * webhook's certificate against its CA. The two scripts the chart runs in
 * pods (the helm test's check, the uninstall hook) are run here for real.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { validate } from '../../cli/src/lib/schema';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART = path.join(ROOT, 'charts', 'vaoci');
const HELM = path.join(ROOT, 'build', 'tools', 'helm');
const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const PRELOAD = path.join(ROOT, 'build', ARCH, 'libvaoci-preload.so');
const RELEASE = 'vt';
const NS = 'vaoci-system';
const FULLNAME = `${RELEASE}-vaoci`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked field by field
type Obj = Record<string, any>;

interface Rendered {
  status: number | null;
  stderr: string;
  docs: Obj[];
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaoci-chart-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!fs.existsSync(HELM)) throw new Error(`${HELM}: missing — run .ci/install-helm (or make deps)`);
  const r = spawnSync(HELM, args, {
    encoding: 'utf8',
    env: { ...process.env, HELM_CACHE_HOME: tmp, HELM_CONFIG_HOME: tmp, HELM_DATA_HOME: tmp },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let valuesFiles = 0;
/** render runs `helm template` with these values (as a values file) and parses every document. */
function render(values: Obj = {}, extra: string[] = [], chart = CHART): Rendered {
  const file = path.join(tmp, `values-${valuesFiles++}.yaml`);
  fs.writeFileSync(file, stringify(values));
  const r = helm(['template', RELEASE, chart, '--namespace', NS, '--kube-version', '1.29.0', '-f', file, ...extra]);
  const docs =
    r.status === 0
      ? parseAllDocuments(r.stdout)
          .map((d) => d.toJS() as Obj)
          .filter((d) => d)
      : [];
  return { status: r.status, stderr: r.stderr, docs };
}

/** ok renders and fails the test with helm's stderr when it did not succeed. */
function ok(values: Obj = {}, extra: string[] = []): Obj[] {
  const r = render(values, extra);
  if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  return r.docs;
}

function kinds(docs: Obj[]): string[] {
  return [...new Set(docs.map((d) => d.kind as string))].sort();
}

function one(docs: Obj[], kind: string, name?: string): Obj {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

const WEBHOOK_SELF = { webhook: { enabled: true } };
const WEBHOOK_CM = { webhook: { enabled: true, certManager: { enabled: true } } };
const nodeConfigOf = (docs: Obj[]): Obj => JSON.parse(one(docs, 'ConfigMap', `${FULLNAME}-node-config`).data['config.json']);

describe('helm lint', () => {
  test.each([
    ['defaults', []],
    ['--strict', ['--strict']],
    [
      '--strict, webhook with cert-manager and uninstall hook',
      ['--strict', '--set', 'webhook.enabled=true,webhook.certManager.enabled=true,uninstallOnDelete=true'],
    ],
  ])('%s', (_name, args) => {
    const r = helm(['lint', CHART, ...(args as string[])]);
    expect(r.stderr + r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.status).toBe(0);
  });

  test("Chart.yaml's appVersion (the default image tag) is package.json's version", () => {
    const chart = parseYaml(fs.readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Obj;
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Obj;
    expect(chart.appVersion).toBe(pkg.version);
    expect(one(ok(), 'DaemonSet').spec.template.spec.containers[0].image).toBe(`ghcr.io/vaoci/vaoci:${pkg.version}`);
  });
});

describe('helm template, default values', () => {
  const docs = ok();
  const ds = one(docs, 'DaemonSet', FULLNAME);
  const pod = ds.spec.template.spec;

  test('renders the node component, the RuntimeClass and the helm test, nothing of the webhook or the uninstall hook', () => {
    expect(kinds(docs)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'Pod', 'RuntimeClass', 'ServiceAccount']);
  });

  test('every object carries the app.kubernetes.io labels; namespaced ones sit in the release namespace', () => {
    for (const d of docs) {
      expect(d.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'vaoci',
        'app.kubernetes.io/instance': RELEASE,
        'app.kubernetes.io/version': '0.0.0',
        'app.kubernetes.io/managed-by': 'Helm',
      });
      if (!['ClusterRole', 'ClusterRoleBinding', 'RuntimeClass'].includes(d.kind)) expect(d.metadata.namespace).toBe(NS);
    }
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(Object.keys(ds.spec.selector.matchLabels).sort()).toEqual([
      'app.kubernetes.io/component',
      'app.kubernetes.io/instance',
      'app.kubernetes.io/name',
    ]);
  });

  test('the DaemonSet runs on arm64 nodes, the installer first, then the agent', () => {
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(pod.initContainers.map((c: Obj) => c.name)).toEqual(['install']);
    expect(pod.containers.map((c: Obj) => c.name)).toEqual(['agent']);
    const [install] = pod.initContainers;
    expect([...install.command, ...install.args]).toEqual([
      'vaoci',
      'node',
      'install',
      '--host-root',
      '/host',
      '--prefix',
      '/opt/vaoci',
      '--engine',
      'auto',
      '--node-config',
      '/config/config.json',
      '--binfmt',
      'auto',
      '--binfmt-va-limit',
      'x86_64',
      '--mode',
      'runtime-class',
      '--nri-socket',
      '/var/run/nri/nri.sock',
      '--restart',
    ]);
    const [agent] = pod.containers;
    expect([...agent.command, ...agent.args]).toEqual([
      'vaoci',
      'node',
      'agent',
      '--host-root',
      '/host',
      '--prefix',
      '/opt/vaoci',
      '--cri-socket',
      '/run/containerd/containerd.sock',
      '--interval',
      '60',
    ]);
    expect(agent.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(pod.serviceAccountName).toBe(`${FULLNAME}-node`);
  });

  test('the installer is privileged with the node root; the agent is unprivileged with read-only host paths (install, /etc, binfmt_misc, the CRI socket)', () => {
    const [install] = pod.initContainers;
    const [agent] = pod.containers;
    const volumes = Object.fromEntries(pod.volumes.map((v: Obj) => [v.name, v]));
    expect(install.securityContext).toMatchObject({ privileged: true, runAsUser: 0 });
    expect(install.volumeMounts).toContainEqual({ name: 'host-root', mountPath: '/host' });
    expect(install.volumeMounts).toContainEqual({ name: 'host-prefix', mountPath: '/opt/vaoci' }); // vaoci-binfmt registered by its node path
    expect(volumes['host-root'].hostPath.path).toBe('/');
    expect(agent.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const hostMounts = agent.volumeMounts.filter((m: Obj) => volumes[m.name].hostPath);
    expect(hostMounts.map((m: Obj) => [volumes[m.name].hostPath.path, m.mountPath, m.readOnly])).toEqual([
      ['/opt/vaoci', '/host/opt/vaoci', true],
      ['/etc', '/host/etc', true],
      ['/proc/sys/fs/binfmt_misc', '/host/proc/sys/fs/binfmt_misc', true],
      ['/run/containerd', '/host/run/containerd', true],
    ]);
    expect(volumes['host-cri'].hostPath.type).toBe('DirectoryOrCreate');
    expect(pod.securityContext).toEqual({ supplementalGroups: [0] }); // the socket's group, not root's uid
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
  });

  test('a changed node config changes the pod template (checksum/config), so the installer runs again', () => {
    const before = ds.spec.template.metadata.annotations['checksum/config'];
    const after = one(ok({ nodeConfig: { defaults: { onError: 'warn' } } }), 'DaemonSet').spec.template.metadata.annotations[
      'checksum/config'
    ];
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });

  test('the RuntimeClass: handler vaoci, only on ready nodes the DaemonSet covers', () => {
    const rc = one(docs, 'RuntimeClass', 'vaoci');
    expect(rc.apiVersion).toBe('node.k8s.io/v1');
    expect(rc.handler).toBe('vaoci');
    expect(rc.scheduling).toEqual({ nodeSelector: { 'kubernetes.io/arch': 'arm64', 'vaoci.io/ready': 'true' } });
  });

  test('RBAC: nodes get and patch, bound to the agent only, nothing else', () => {
    expect(one(docs, 'ClusterRole').rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }]);
    const binding = one(docs, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${FULLNAME}-node` });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: `${FULLNAME}-node`, namespace: NS }]);
    expect(docs.filter((d) => d.kind === 'Role' || d.kind === 'RoleBinding')).toEqual([]);
  });

  test("the ConfigMap's node config validates against schemas/node-config.schema.json and is the one the installer reads", () => {
    const config = nodeConfigOf(docs);
    expect(validate('node-config', config)).toEqual([]);
    expect(config).toEqual({
      runtime: '/usr/bin/runc',
      defaults: { va_limit: 'auto', guest_arch: 'auto', emulator: 'auto', on_error: 'fail' },
      injection: {
        host_dir: '/opt/vaoci',
        preload: '/opt/vaoci/lib/libvaoci-preload.so',
        bind_mount: true,
        library_dirs: ['/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'],
      },
      log: '/var/log/vaoci.log',
      reports_dir: '/run/vaoci',
      binfmt_dir: '/proc/sys/fs/binfmt_misc',
    });
    const configVolume = pod.volumes.find((v: Obj) => v.name === 'node-config');
    expect(configVolume.configMap.name).toBe(`${FULLNAME}-node-config`);
  });

  test('the helm test pod: RuntimeClass vaoci, an i386 window for its container, the check script from files/', () => {
    const t = one(docs, 'Pod');
    expect(t.metadata.annotations['helm.sh/hook']).toBe('test');
    expect(t.spec.runtimeClassName).toBe('vaoci');
    expect(t.spec.containers.map((c: Obj) => c.name)).toEqual(['check']);
    expect(t.metadata.annotations).toMatchObject({ 'vaoci.io/va-limit.check': 'i386', 'vaoci.io/on-error.check': 'fail' });
    // The annotations the pod carries are valid vaoci annotations (the helm.sh/ ones are ignored by the schema).
    expect(validate('annotations', t.metadata.annotations)).toEqual([]);
    expect(t.spec.containers[0].command).toEqual(['node', '-e']);
    expect(t.spec.containers[0].args).toEqual([fs.readFileSync(path.join(CHART, 'files', 'selftest.js'), 'utf8')]);
    expect(t.spec.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', 'vaoci.io/ready': 'true' });
    expect(t.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
  });
});

describe('helm template, non-default values', () => {
  test('custom nodeSelector and tolerations reach the DaemonSet, the RuntimeClass and the test pod', () => {
    const tolerations = [{ key: 'pool', operator: 'Equal', value: 'x86-emu', effect: 'NoSchedule' }];
    const docs = ok({ nodeSelector: { pool: 'x86-emu' }, tolerations });
    const ds = one(docs, 'DaemonSet').spec.template.spec;
    const rc = one(docs, 'RuntimeClass');
    expect(ds.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', pool: 'x86-emu' }); // helm merges maps with the defaults
    expect(ds.tolerations).toEqual(tolerations);
    expect(rc.scheduling.tolerations).toEqual(tolerations);
    expect(rc.scheduling.nodeSelector).toEqual({ ...ds.nodeSelector, 'vaoci.io/ready': 'true' });
    expect(one(docs, 'Pod').spec.tolerations).toEqual(tolerations);
  });

  test('a default nodeSelector key set to null is dropped everywhere (any architecture)', () => {
    const docs = ok({ nodeSelector: { 'kubernetes.io/arch': null, pool: 'x86-emu' } });
    expect(one(docs, 'DaemonSet').spec.template.spec.nodeSelector).toEqual({ pool: 'x86-emu' });
    expect(one(docs, 'RuntimeClass').scheduling.nodeSelector).toEqual({ pool: 'x86-emu', 'vaoci.io/ready': 'true' });
    const everywhere = ok({ nodeSelector: null });
    expect(one(everywhere, 'DaemonSet').spec.template.spec.nodeSelector).toBeUndefined();
    expect(one(everywhere, 'RuntimeClass').scheduling.nodeSelector).toEqual({ 'vaoci.io/ready': 'true' });
  });

  test('runtimeClass.create=false: no RuntimeClass, the test pod still names runtimeClass.name', () => {
    const docs = ok({ runtimeClass: { create: false, name: 'x86-window' } });
    expect(kinds(docs)).not.toContain('RuntimeClass');
    expect(one(docs, 'Pod').spec.runtimeClassName).toBe('x86-window');
  });

  test('cri-o, another prefix and non-default node settings reach the installer and the node config', () => {
    const docs = ok({
      installer: { engine: 'cri-o', prefix: '/usr/local/vaoci', binfmt: 'never', binfmtVaLimit: 'i386' },
      nodeConfig: {
        runtime: '/usr/bin/crun',
        defaults: { vaLimit: '0x10000-0x7fff00000000', guestArch: 'x86_64', emulator: 'fex', onError: 'warn' },
        injection: { bindMount: false, libraryDirs: ['/usr/lib64'] },
        reportsDir: '/var/run/vaoci-reports',
      },
    });
    const pod = one(docs, 'DaemonSet').spec.template.spec;
    expect(pod.initContainers[0].args).toEqual([
      'node',
      'install',
      '--host-root',
      '/host',
      '--prefix',
      '/usr/local/vaoci',
      '--engine',
      'cri-o',
      '--node-config',
      '/config/config.json',
      '--binfmt',
      'never',
      '--binfmt-va-limit',
      'i386',
      '--mode',
      'runtime-class',
      '--nri-socket',
      '/var/run/nri/nri.sock',
      '--restart',
    ]);
    expect(pod.containers[0].args).toEqual([
      'node',
      'agent',
      '--host-root',
      '/host',
      '--prefix',
      '/usr/local/vaoci',
      '--cri-socket',
      '/var/run/crio/crio.sock',
      '--interval',
      '60',
    ]);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'host-cri', mountPath: '/host/var/run/crio', readOnly: true });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'host-prefix', mountPath: '/host/usr/local/vaoci', readOnly: true });
    const config = nodeConfigOf(docs);
    expect(validate('node-config', config)).toEqual([]);
    expect(config).toMatchObject({
      runtime: '/usr/bin/crun',
      defaults: { va_limit: '0x10000-0x7fff00000000', guest_arch: 'x86_64', emulator: 'fex', on_error: 'warn' },
      injection: {
        host_dir: '/usr/local/vaoci',
        preload: '/usr/local/vaoci/lib/libvaoci-preload.so',
        bind_mount: false,
        library_dirs: ['/usr/lib64'],
      },
      reports_dir: '/var/run/vaoci-reports',
    });
  });

  test("restart: systemctl by default, a command of the operator's, or none; the uninstall hook restarts the same way", () => {
    const args = (values: Obj) => {
      const docs = ok({ uninstallOnDelete: true, ...values });
      const install = one(docs, 'DaemonSet').spec.template.spec.initContainers[0].args as string[];
      const job = one(docs, 'Job').spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'VAOCI_UNINSTALL_ARGS').value;
      return [install.slice(install.indexOf('--nri-socket') + 2), JSON.parse(job).slice(6)];
    };
    expect(args({})).toEqual([['--restart'], ['--restart']]);
    expect(args({ installer: { restartCommand: 'rc-service containerd restart' } })).toEqual([
      ['--restart-command', 'rc-service containerd restart'],
      ['--restart-command', 'rc-service containerd restart'],
    ]);
    expect(args({ installer: { restart: false, restartCommand: 'ignored when off' } })).toEqual([[], []]);
  });

  test('agent.criSocket, criSocketGroup, intervalSeconds: the socket asked, its directory mounted, the group given, how often', () => {
    const pod = one(
      ok({ agent: { criSocket: '/var/run/k3s/containerd/containerd.sock', criSocketGroup: 994, intervalSeconds: 5 } }),
      'DaemonSet',
    ).spec.template.spec;
    expect(pod.containers[0].args.slice(-4)).toEqual(['--cri-socket', '/var/run/k3s/containerd/containerd.sock', '--interval', '5']);
    expect(pod.volumes.find((v: Obj) => v.name === 'host-cri').hostPath.path).toBe('/var/run/k3s/containerd');
    expect(pod.securityContext.supplementalGroups).toEqual([994]);
  });

  test('image tag, pull policy and pull secrets apply to every container', () => {
    const docs = ok({
      ...WEBHOOK_SELF,
      uninstallOnDelete: true,
      image: { repository: 'registry.example:5000/vaoci', tag: '1.2.3', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
    });
    const pods = docs.flatMap((d) => (d.kind === 'Pod' ? [d.spec] : d.spec?.template ? [d.spec.template.spec] : []));
    expect(pods).toHaveLength(4); // node, webhook, uninstall, test
    for (const p of pods) {
      expect(p.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      for (const c of [...(p.initContainers ?? []), ...p.containers]) {
        expect(c.image).toBe('registry.example:5000/vaoci:1.2.3');
        expect(c.imagePullPolicy).toBe('Always');
      }
    }
    expect(one(docs, 'DaemonSet').metadata.labels['app.kubernetes.io/version']).toBe('1.2.3');
  });
});

describe('the webhook', () => {
  test('off by default; on: Deployment, Service, PDB, Secret, ValidatingWebhookConfiguration, no RBAC', () => {
    const docs = ok(WEBHOOK_SELF);
    expect(kinds(docs)).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'DaemonSet',
      'Deployment',
      'Pod',
      'PodDisruptionBudget',
      'RuntimeClass',
      'Secret',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    expect(docs.filter((d) => d.kind === 'ClusterRoleBinding').map((d) => d.subjects[0].name)).toEqual([`${FULLNAME}-node`]);
    const dep = one(docs, 'Deployment');
    const pod = dep.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(docs, 'ServiceAccount', `${FULLNAME}-webhook`).automountServiceAccountToken).toBe(false);
    expect([...pod.containers[0].command, ...pod.containers[0].args]).toEqual([
      'vaoci',
      'webhook',
      'serve',
      '--port',
      '8443',
      '--tls-cert',
      '/tls/tls.crt',
      '--tls-key',
      '/tls/tls.key',
    ]);
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(pod.containers[0].securityContext).not.toHaveProperty('privileged');
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ scheme: 'HTTPS', path: '/healthz', port: 'https' });
    expect(dep.spec.replicas).toBe(2);
    const svc = one(docs, 'Service');
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(svc.spec.selector).not.toEqual(one(docs, 'DaemonSet').spec.selector.matchLabels);
    expect(one(docs, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(kinds(ok({ webhook: { enabled: true, replicas: 1 } }))).not.toContain('PodDisruptionBudget');
  });

  test('the ValidatingWebhookConfiguration: Pods CREATE/UPDATE, failurePolicy from values, not the release namespace nor kube-system', () => {
    const docs = ok({ webhook: { enabled: true, failurePolicy: 'Ignore', timeoutSeconds: 3, excludeNamespaces: ['ci'] } });
    const [hook] = one(docs, 'ValidatingWebhookConfiguration').webhooks;
    expect(hook).toMatchObject({
      name: 'pods.vaoci.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      timeoutSeconds: 3,
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'], scope: 'Namespaced' }],
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [NS, 'kube-system', 'ci'] }],
      },
    });
    expect(hook.clientConfig.service).toEqual({ name: `${FULLNAME}-webhook`, namespace: NS, path: '/validate', port: 443 });
    expect(one(docs, 'Service', `${FULLNAME}-webhook`).spec.ports[0]).toMatchObject({ port: 443, targetPort: 'https' });
    expect(one(ok(WEBHOOK_SELF), 'ValidatingWebhookConfiguration').webhooks[0].failurePolicy).toBe('Fail');
  });

  test('only pods with a vaoci.io/ annotation are sent (matchConditions, Kubernetes >= 1.28)', () => {
    const [at129] = one(ok(WEBHOOK_SELF), 'ValidatingWebhookConfiguration').webhooks;
    expect(at129.matchConditions).toEqual([
      {
        name: 'has-vaoci-annotation',
        expression: "has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('vaoci.io/'))",
      },
    ]);
    const [at127] = one(ok(WEBHOOK_SELF, ['--kube-version', '1.27.0']), 'ValidatingWebhookConfiguration').webhooks;
    expect(at127.matchConditions).toBeUndefined();
  });

  test("self-signed: the caBundle is the Secret's CA, which signed a serving certificate for the Service", () => {
    const docs = ok(WEBHOOK_SELF);
    const secret = one(docs, 'Secret', `${FULLNAME}-webhook-tls`);
    expect(secret.type).toBe('kubernetes.io/tls');
    const [hook] = one(docs, 'ValidatingWebhookConfiguration').webhooks;
    expect(hook.clientConfig.caBundle).toBe(secret.data['ca.crt']);
    const pem = (k: string) => Buffer.from(secret.data[k], 'base64').toString('utf8');
    const ca = new crypto.X509Certificate(pem('ca.crt'));
    const cert = new crypto.X509Certificate(pem('tls.crt'));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(pem('tls.key')))).toBe(true);
    expect(cert.checkHost(`${FULLNAME}-webhook.${NS}.svc`)).toBe(`${FULLNAME}-webhook.${NS}.svc`);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(3000 * 86400_000);
    const dep = one(docs, 'Deployment').spec.template.spec;
    expect(dep.volumes.find((v: Obj) => v.name === 'tls').secret.secretName).toBe(secret.metadata.name);
    // A second render without a cluster (lookup finds nothing) makes another CA: the install-time one is kept only by lookup.
    expect(one(ok(WEBHOOK_SELF), 'Secret').data['ca.crt']).not.toBe(secret.data['ca.crt']);
  });

  test('cert-manager: a self-signed Issuer and a Certificate, the CA injected by annotation, no Secret rendered', () => {
    const docs = ok(WEBHOOK_CM);
    expect(kinds(docs)).toEqual(expect.arrayContaining(['Certificate', 'Issuer']));
    expect(kinds(docs)).not.toContain('Secret');
    const cert = one(docs, 'Certificate');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.spec.secretName).toBe(`${FULLNAME}-webhook-tls`);
    expect(cert.spec.dnsNames).toContain(`${FULLNAME}-webhook.${NS}.svc`);
    expect(cert.spec.issuerRef).toEqual({ name: one(docs, 'Issuer').metadata.name, kind: 'Issuer', group: 'cert-manager.io' });
    expect(one(docs, 'Issuer').spec).toEqual({ selfSigned: {} });
    const vwc = one(docs, 'ValidatingWebhookConfiguration');
    expect(vwc.metadata.annotations['cert-manager.io/inject-ca-from']).toBe(`${NS}/${cert.metadata.name}`);
    expect(vwc.webhooks[0].clientConfig.caBundle).toBeUndefined();
    expect(one(docs, 'Deployment').spec.template.spec.volumes.find((v: Obj) => v.name === 'tls').secret.secretName).toBe(
      cert.spec.secretName,
    );
  });

  test('cert-manager with an existing ClusterIssuer: no Issuer is made', () => {
    const docs = ok({ webhook: { enabled: true, certManager: { enabled: true, issuerRef: { kind: 'ClusterIssuer', name: 'corp-ca' } } } });
    expect(kinds(docs)).not.toContain('Issuer');
    expect(one(docs, 'Certificate').spec.issuerRef).toEqual({ name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });
});

describe('uninstallOnDelete', () => {
  test('off: no hook; on: a pre-delete Job with get/patch on this DaemonSet only', () => {
    expect(kinds(ok())).not.toContain('Job');
    const docs = ok({ uninstallOnDelete: true });
    const hooks = docs.filter((d) => d.metadata.annotations?.['helm.sh/hook'] === 'pre-delete');
    expect(hooks.map((d) => d.kind).sort()).toEqual(['Job', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(one(docs, 'Role').rules).toEqual([
      { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: [FULLNAME], verbs: ['get', 'patch'] },
    ]);
    const job = one(docs, 'Job');
    // RBAC, ServiceAccount first (lower weight), the Job after.
    expect(Number(job.metadata.annotations['helm.sh/hook-weight'])).toBeGreaterThan(
      Number(one(docs, 'Role').metadata.annotations['helm.sh/hook-weight']),
    );
    const c = job.spec.template.spec.containers[0];
    expect(c.args).toEqual([fs.readFileSync(path.join(CHART, 'files', 'uninstall.js'), 'utf8')]);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({ VAOCI_NAMESPACE: NS, VAOCI_DAEMONSET: FULLNAME, VAOCI_TIMEOUT_SECONDS: '240' });
    expect(JSON.parse(env.VAOCI_UNINSTALL_ARGS)).toEqual([
      'node',
      'uninstall',
      '--host-root',
      '/host',
      '--prefix',
      '/opt/vaoci',
      '--restart',
    ]);
    // The patch assumes initContainers[0] is "install": keep the DaemonSet that way.
    expect(one(docs, 'DaemonSet').spec.template.spec.initContainers[0].name).toBe('install');
    expect(one(docs, 'DaemonSet').spec.template.metadata.annotations).toBeDefined();
    expect(job.spec.activeDeadlineSeconds).toBe(300);
  });
});

describe('mode: nri and auto (vaoci-nri in the DaemonSet)', () => {
  const dsOf = (docs: Obj[]) => one(docs, 'DaemonSet', FULLNAME).spec.template.spec;
  const container = (pod: Obj, name: string) => (pod.containers as Obj[]).find((c) => c.name === name);
  const installArgs = (pod: Obj) => pod.initContainers[0].args as string[];
  const testPod = (docs: Obj[], path = '') => one(docs, 'Pod', `${FULLNAME}-test-window${path}`).spec;

  test('runtime-class (the default): no plugin container, the installer told so, the RuntimeClass as before', () => {
    const docs = ok();
    const pod = dsOf(docs);
    expect(container(pod, 'nri')).toBeUndefined();
    expect(installArgs(pod)).toEqual(expect.arrayContaining(['--mode', 'runtime-class']));
    expect((container(pod, 'agent') as Obj).args).not.toContain('--nri-status');
    expect(one(docs, 'RuntimeClass').scheduling.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', 'vaoci.io/ready': 'true' });
    expect(testPod(docs).runtimeClassName).toBe('vaoci');
  });

  test('nri: the plugin container (chroot into the node, only CAP_SYS_CHROOT), no RuntimeClass, the helm test on an nri node', () => {
    const docs = ok({ mode: 'nri', nri: { namespaces: ['team-a', 'team-b'], index: '60' } });
    const pod = dsOf(docs);
    expect(kinds(docs)).not.toContain('RuntimeClass');
    expect(installArgs(pod)).toEqual(expect.arrayContaining(['--mode', 'nri', '--nri-socket', '/var/run/nri/nri.sock']));
    const nri = container(pod, 'nri') as Obj;
    expect(nri.command).toEqual(['vaoci-nri']);
    expect(nri.args).toEqual([
      '-host-root=/host',
      '-install-record=/opt/vaoci/install.json',
      '-hook=/opt/vaoci/bin/vaoci-hook',
      '-nri-socket=/var/run/nri/nri.sock',
      '-cri-socket=/run/containerd/containerd.sock',
      '-idx=60',
      '-namespaces=team-a,team-b',
      '-status=/run/vaoci-nri/connected',
      '-verify=plugin',
    ]);
    expect(nri.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['SYS_CHROOT', 'SYS_PTRACE', 'KILL'] },
    });
    expect(pod.hostPID).toBe(true);
    expect(nri.securityContext.privileged).toBeUndefined();
    expect(nri.volumeMounts).toEqual([{ name: 'host-root', mountPath: '/host', mountPropagation: 'HostToContainer' }]);
    const agent = container(pod, 'agent') as Obj;
    expect(agent.args.slice(-2)).toEqual(['--nri-status', '/host/run/vaoci-nri/connected']);
    expect(agent.volumeMounts).toContainEqual({ name: 'host-nri-status', mountPath: '/host/run/vaoci-nri', readOnly: true });
    expect(((pod.volumes as Obj[]).find((v) => v.name === 'host-nri-status') as Obj).hostPath).toEqual({
      path: '/run/vaoci-nri',
      type: 'DirectoryOrCreate',
    });
    expect(docs.filter((d) => d.kind === 'Pod').map((d) => d.metadata.name)).toEqual([`${FULLNAME}-test-window-nri`]);
    expect(testPod(docs, '-nri').runtimeClassName).toBeUndefined();
    expect(testPod(docs, '-nri').nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64', 'vaoci.io/mode': 'nri', 'vaoci.io/ready': 'true' });
  });

  test('nri.verify=hook: a poststart vaoci-hook per container instead; no host pid namespace, only CAP_SYS_CHROOT', () => {
    const pod = dsOf(ok({ mode: 'nri', nri: { verify: 'hook' } }));
    const nri = container(pod, 'nri') as Obj;
    expect(nri.args).toContain('-verify=hook');
    expect(nri.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['SYS_CHROOT'] });
    expect(pod.hostPID).toBeUndefined();
    expect(dsOf(ok()).hostPID).toBeUndefined(); // runtime-class: never
  });

  test('auto: the plugin and the RuntimeClass, which sends pods only to runtime-class nodes', () => {
    const docs = ok({ mode: 'auto' });
    expect(container(dsOf(docs), 'nri')).toBeDefined();
    expect(installArgs(dsOf(docs))).toEqual(expect.arrayContaining(['--mode', 'auto']));
    expect(one(docs, 'RuntimeClass').scheduling.nodeSelector).toEqual({
      'kubernetes.io/arch': 'arm64',
      'vaoci.io/mode': 'runtime-class',
      'vaoci.io/ready': 'true',
    });
    // a helm test pod per path: each to the nodes of its mode (`helm test --filter name=` picks one)
    expect([testPod(docs).runtimeClassName, testPod(docs).nodeSelector['vaoci.io/mode']]).toEqual(['vaoci', 'runtime-class']);
    expect([testPod(docs, '-nri').runtimeClassName, testPod(docs, '-nri').nodeSelector['vaoci.io/mode']]).toEqual([undefined, 'nri']);
  });
});

describe('invalid values are refused, naming the key', () => {
  test.each([
    ['nodeConfig.defaults.vaLimit: x86-64', { nodeConfig: { defaults: { vaLimit: 'x86-64' } } }, /nodeConfig\.defaults\.vaLimit/],
    ['a window that is not 4096-aligned', { nodeConfig: { defaults: { vaLimit: '0x1234-0x100000000' } } }, /nodeConfig\.defaults\.vaLimit/],
    ['nodeConfig.defaults.onError: sometimes', { nodeConfig: { defaults: { onError: 'sometimes' } } }, /nodeConfig\.defaults\.onError/],
    ['nodeConfig.defaults.emulator: rosetta', { nodeConfig: { defaults: { emulator: 'rosetta' } } }, /nodeConfig\.defaults\.emulator/],
    ['image.pullPolicy: Sometimes', { image: { pullPolicy: 'Sometimes' } }, /image\.pullPolicy/],
    ['a relative installer.prefix', { installer: { prefix: 'opt/vaoci' } }, /installer\.prefix/],
    ['a relative agent.criSocket', { agent: { criSocket: 'run/containerd/containerd.sock' } }, /agent\.criSocket/],
    ['installer.restartCommand starting with a space', { installer: { restartCommand: ' rc-service' } }, /installer\.restartCommand/],
    ['agent.criSocketGroup: -1', { agent: { criSocketGroup: -1 } }, /agent\.criSocketGroup/],
    ['agent.intervalSeconds: 1', { agent: { intervalSeconds: 1 } }, /agent\.intervalSeconds/],
    ['a relative nodeConfig.runtime', { nodeConfig: { runtime: 'runc' } }, /nodeConfig\.runtime/],
    ['a relative library dir', { nodeConfig: { injection: { libraryDirs: ['lib'] } } }, /nodeConfig\.injection\.libraryDirs/],
    ['installer.engine: docker', { installer: { engine: 'docker' } }, /installer\.engine/],
    ['installer.binfmtVaLimit: x86-64', { installer: { binfmtVaLimit: 'x86-64' } }, /installer\.binfmtVaLimit/],
    ['webhook.replicas: -1', { webhook: { enabled: true, replicas: -1 } }, /webhook\.replicas/],
    ['webhook.timeoutSeconds: 60', { webhook: { timeoutSeconds: 60 } }, /webhook\.timeoutSeconds/],
    ['webhook.failurePolicy: fail', { webhook: { failurePolicy: 'fail' } }, /webhook\.failurePolicy/],
    ['uninstall.timeoutSeconds: -5', { uninstall: { timeoutSeconds: -5 } }, /uninstall\.timeoutSeconds/],
    ['an unknown key', { nodeconfig: {} }, /nodeconfig is not allowed/],
    ['an unknown nested key', { nodeConfig: { defaults: { va_limit: 'i386' } } }, /va_limit is not allowed/],
    ['nodeSelector naming vaoci.io/ready', { nodeSelector: { 'vaoci.io/ready': 'true' } }, /nodeSelector: must not name vaoci\.io\/ready/],
    ['nodeSelector naming vaoci.io/mode', { nodeSelector: { 'vaoci.io/mode': 'nri' } }, /nodeSelector: must not name vaoci\.io\/mode/],
    ['mode: NRI', { mode: 'NRI' }, /mode/],
    ['nri.namespaces: []', { nri: { namespaces: [] } }, /nri\.namespaces/],
    ['nri.namespaces naming Kube-System', { nri: { namespaces: ['Kube-System'] } }, /nri\.namespaces/],
    ['a relative nri.socket', { nri: { socket: 'var/run/nri/nri.sock' } }, /nri\.socket/],
    ['nri.index: 5', { nri: { index: '5' } }, /nri\.index/],
    ['nri.verify: both', { nri: { verify: 'both' } }, /nri\.verify/],
    [
      'nodeConfig.runtime is the wrapper',
      { nodeConfig: { runtime: '/opt/vaoci/bin/vaoci-runtime' } },
      /nodeConfig\.runtime: "\/opt\/vaoci\/bin\/vaoci-runtime" is the wrapper itself/,
    ],
  ])('%s', (_name, values, message) => {
    const r = render(values as Obj);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message as RegExp);
  });
});

describe('values.schema.json keeps the contract of schemas/', () => {
  const values = JSON.parse(fs.readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as Obj;
  const annotations = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'annotations.schema.json'), 'utf8')) as Obj;
  const consts = (def: string) => (annotations.$defs[def].anyOf as Obj[]).filter((b) => 'const' in b).map((b) => b.const as string);
  const defaults = values.properties.nodeConfig.properties.defaults.properties;

  test.each([
    ['guestArch', 'guestArch'],
    ['emulator', 'emulator'],
    ['onError', 'onError'],
  ])('nodeConfig.defaults.%s has the values of annotations.schema.json#/$defs/%s', (key, def) => {
    expect(defaults[key].enum).toEqual(consts(def));
  });

  test('vaLimit: the same words and the same window pattern', () => {
    const [words, range] = values.definitions.vaLimit.anyOf as Obj[];
    expect(words.enum).toEqual(consts('vaLimit'));
    expect(range.pattern).toBe(annotations.$defs.windowRange.pattern);
  });

  test('paths: the node config\'s "absolute path" pattern', () => {
    const nodeConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'node-config.schema.json'), 'utf8')) as Obj;
    expect(values.definitions.path.pattern).toBe(nodeConfig.$defs.path.pattern);
  });

  test('values.yaml itself is valid and every nodeConfig key maps to a node-config key', () => {
    const v = parseYaml(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Obj;
    const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const nodeConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'node-config.schema.json'), 'utf8')) as Obj;
    for (const k of Object.keys(v.nodeConfig)) expect(Object.keys(nodeConfig.properties)).toContain(snake(k));
    for (const k of Object.keys(v.nodeConfig.defaults)) expect(Object.keys(nodeConfig.properties.defaults.properties)).toContain(snake(k));
    for (const k of Object.keys(v.nodeConfig.injection))
      expect(Object.keys(nodeConfig.properties.injection.properties)).toContain(snake(k));
  });
});

describe('NOTES.txt', () => {
  /** notes renders NOTES.txt through a copy of the chart (helm template never prints it). */
  function notes(values: Obj): string {
    const copy = path.join(tmp, `chart-${valuesFiles}`);
    fs.cpSync(CHART, copy, { recursive: true });
    fs.renameSync(path.join(copy, 'templates', 'NOTES.txt'), path.join(copy, 'files', 'NOTES.txt'));
    fs.writeFileSync(
      path.join(copy, 'templates', 'zz-notes.yaml'),
      'kind: Notes\ntext: {{ tpl (.Files.Get "files/NOTES.txt") . | toJson }}\n',
    );
    const r = render(values, [], copy);
    if (r.status !== 0) throw new Error(r.stderr);
    return one(r.docs, 'Notes').text as string;
  }

  test('says how to opt in, how to check, and what the install restarts', () => {
    const text = notes({});
    expect(text).toContain('runtimeClassName: vaoci');
    expect(text).toContain('vaoci.io/va-limit.sidecar');
    expect(text).toContain('kubectl get nodes -L vaoci.io/ready');
    expect(text).toContain('vaoci explain');
    expect(text).toContain('systemctl restart containerd');
    expect(text).toContain('vaoci.io/emulator=qemu|fex|box64|none');
    expect(text).not.toContain('admission webhook');
  });

  test('follows the values: cri-o, a webhook with one replica, uninstall on delete', () => {
    const text = notes({ installer: { engine: 'cri-o' }, webhook: { enabled: true, replicas: 1 }, uninstallOnDelete: true });
    expect(text).toContain('/etc/crio/crio.conf.d/50-vaoci.conf');
    expect(text).not.toContain('/etc/containerd/conf.d');
    expect(text).toContain('admission webhook');
    expect(text).toContain('WARNING: one replica with failurePolicy Fail');
    expect(text).toContain('`helm uninstall` first runs `vaoci node uninstall` on every node');
  });

  test('mode nri: no RuntimeClass to name, the plugin to look at, every container of the allowed namespaces', () => {
    const text = notes({ mode: 'nri', nri: { namespaces: ['team-a'] } });
    expect(text).toContain('Mode nri: on every node the installer');
    expect(text).toContain('of the namespaces team-a as the engine creates it');
    expect(text).toContain('logs ds/vt-vaoci -c nri');
    expect(text).not.toContain('runtimeClassName: vaoci');
  });

  test("follows the restart values: a command of the operator's, or none at all", () => {
    expect(notes({ installer: { restartCommand: 'rc-service containerd restart' } })).toContain(
      'restarted\n   (`rc-service containerd restart`)',
    );
    const off = notes({ installer: { restart: false } });
    expect(off).toContain('The engine is NOT restarted (installer.restart=false)');
    expect(off).not.toContain('systemctl restart');
    expect(notes({})).toContain('over\n   its CRI socket /run/containerd/containerd.sock');
  });
});

describe("the helm test's check (files/selftest.js)", () => {
  const SELFTEST = path.join(CHART, 'files', 'selftest.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain script shipped in the chart
  const selftest = require(SELFTEST) as { check: (env: Obj, maps: string, limits: string) => { problems: string[] } };
  const LIMITS =
    'Limit                     Soft Limit           Hard Limit           Units\nMax stack size            8388608              unlimited            bytes\n';
  const ENV = { VAOCI_VA_LIMIT: 'i386', LD_PRELOAD: '/opt/vaoci/lib/libvaoci-preload.so' };
  const maps = (lines: string[]) => `${lines.join('\n')}\n`;
  const HOLDS = [
    '00400000-00500000 r-xp 00000000 fe:00 1 /usr/bin/node',
    '100000000-ffff00000000 ---p 00000000 00:00 0 ',
    'ffff00000000-ffff00010000 r-xp 00000000 fe:00 2 /opt/vaoci/lib/libvaoci-preload.so',
    'ffff00010000-fffff7600000 ---p 00000000 00:00 0 ',
    // free: [fffff7600000, fffff7e00000): the growth zone (8 MiB RLIMIT_STACK + 1 MiB) less the mapped 1 MiB of stack
    'fffff7e00000-fffff7f00000 rw-p 00000000 00:00 0 [stack]',
    'fffff7f00000-1000000000000 ---p 00000000 00:00 0 ',
  ];

  test.each([
    ['a 48-bit arm64 layout that holds', ENV, HOLDS, []],
    ['no policy from the wrapper', {}, HOLDS, [/VAOCI_VA_LIMIT is null/, /LD_PRELOAD "" names no vaoci preload/]],
    [
      'the preload named but not mapped',
      ENV,
      HOLDS.filter((l) => !l.includes('preload')),
      [/is not mapped/, /64 KiB above 4 GiB are free/],
    ],
    [
      'a hole above 4 GiB',
      ENV,
      [HOLDS[0], '100000000-800000000 ---p 00000000 00:00 0 ', ...HOLDS.slice(2)],
      [/above 4 GiB are free in 1 range\(s\), first 0x800000000-0xffff00000000/],
    ],
    [
      'more free room below the stack than the growth zone',
      ENV,
      [...HOLDS.slice(0, 3), 'ffff00010000-fffff7500000 ---p 00000000 00:00 0 ', ...HOLDS.slice(4)],
      [/1 MiB above 4 GiB are free in 1 range\(s\), first 0xfffff7500000-0xfffff7600000/],
    ],
    [
      'nothing reserved above the stack',
      ENV,
      HOLDS.slice(0, 5),
      [/129 MiB above 4 GiB are free in 1 range\(s\), first 0xfffff7f00000-0x1000000000000/],
    ],
  ])('%s', (_name, env, lines, expected) => {
    const { problems } = selftest.check(env as Obj, maps(lines as string[]), LIMITS);
    expect(problems).toHaveLength((expected as RegExp[]).length);
    (expected as RegExp[]).forEach((re, i) => expect(problems[i]).toMatch(re));
  });

  /** runs the script as the pod does (`node -e`), with or without the real preload. */
  function run(env: Obj): { status: number | null; out: string } {
    if (!fs.existsSync(PRELOAD)) throw new Error(`${PRELOAD}: missing — run make build`);
    const r = spawnSync(process.execPath, ['-e', fs.readFileSync(SELFTEST, 'utf8')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  test('passes in a real Node.js process under the real preload with an i386 window', () => {
    const r = run({ LD_PRELOAD: PRELOAD, VAOCI_VA_LIMIT: 'i386' });
    expect(r.out).toMatch(/^vaoci test: window i386 holds in pid \d+/);
    expect(r.status).toBe(0);
  });

  test('fails without the preload, and under an x86_64 window, one line per problem', () => {
    const bare = run({});
    expect(bare.status).toBe(1);
    expect(bare.out).toMatch(/[KMGT]iB above 4 GiB are free/);
    const wide = run({ LD_PRELOAD: PRELOAD, VAOCI_VA_LIMIT: 'x86_64' });
    expect(wide.status).toBe(1);
    expect(wide.out).toMatch(/VAOCI_VA_LIMIT is "x86_64"/);
    expect(wide.out).toMatch(/above 4 GiB are free/);
  });
});

describe('the uninstall hook (files/uninstall.js) against a fake API server', () => {
  const SCRIPT = path.join(CHART, 'files', 'uninstall.js');

  interface Fake {
    url: string;
    requests: Array<{ method: string; url: string; type?: string; body: string }>;
    close: () => Promise<void>;
  }

  /** fakeApi serves one DaemonSet: PATCH answers `patchStatus`, each GET the next of `statuses` (the last repeats). */
  async function fakeApi(patchStatus: number, statuses: Obj[]): Promise<Fake> {
    const requests: Fake['requests'] = [];
    let gets = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ method: req.method as string, url: req.url as string, type: req.headers['content-type'], body });
        const ds = req.method === 'PATCH' ? {} : { metadata: { generation: 2 }, status: statuses[Math.min(gets++, statuses.length - 1)] };
        res.writeHead(req.method === 'PATCH' ? patchStatus : 200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(patchStatus === 404 ? { message: 'not found' } : ds));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
  }

  /** runs the script as the Job does (`node -e`) against the fake. */
  function run(fake: Fake, timeoutSeconds = 30): Promise<{ status: number | null; out: string }> {
    const env = {
      PATH: process.env.PATH,
      VAOCI_API_URL: fake.url,
      VAOCI_POLL_MS: '20',
      VAOCI_NAMESPACE: NS,
      VAOCI_DAEMONSET: FULLNAME,
      VAOCI_UNINSTALL_ARGS: JSON.stringify(['node', 'uninstall', '--host-root', '/host', '--prefix', '/opt/vaoci']),
      VAOCI_TIMEOUT_SECONDS: String(timeoutSeconds),
    };
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['-e', fs.readFileSync(SCRIPT, 'utf8')], { env });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('close', (status) => resolve({ status, out }));
    });
  }

  const rolling = [
    { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 0, numberAvailable: 3 },
    { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1, numberUnavailable: 2 },
    { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
  ];

  test('patches the DaemonSet into uninstall mode and waits until every node is done', async () => {
    const fake = await fakeApi(200, rolling);
    try {
      const r = await run(fake);
      expect(r.status).toBe(0);
      expect(r.out).toContain('3/3 nodes switched to uninstall, 3/3 done');
      const [patch, ...gets] = fake.requests;
      expect(patch.method).toBe('PATCH');
      expect(patch.url).toBe(`/apis/apps/v1/namespaces/${NS}/daemonsets/${FULLNAME}`);
      expect(patch.type).toBe('application/json-patch+json');
      const ops = JSON.parse(patch.body) as Obj[];
      expect(ops[0]).toEqual({ op: 'test', path: '/spec/template/spec/initContainers/0/name', value: 'install' });
      expect(ops).toContainEqual({
        op: 'replace',
        path: '/spec/template/spec/initContainers/0/args',
        value: ['node', 'uninstall', '--host-root', '/host', '--prefix', '/opt/vaoci'],
      });
      expect(gets.length).toBe(3);
    } finally {
      await fake.close();
    }
  });

  test('a DaemonSet already gone is nothing to do; a refused patch fails with the HTTP status', async () => {
    const gone = await fakeApi(404, rolling);
    const refused = await fakeApi(403, rolling);
    try {
      const a = await run(gone);
      expect(a.status).toBe(0);
      expect(a.out).toContain('is gone: nothing to uninstall');
      const b = await run(refused);
      expect(b.status).toBe(1);
      expect(b.out).toContain('HTTP 403');
    } finally {
      await gone.close();
      await refused.close();
    }
  });

  test('gives up after its timeout, saying where to look', async () => {
    const fake = await fakeApi(200, [rolling[1]]);
    try {
      const r = await run(fake, 1);
      expect(r.status).toBe(1);
      expect(r.out).toContain('timed out');
    } finally {
      await fake.close();
    }
  });
});

// A real kube-apiserver (test/k8s/apiserver.sh: etcd + kube-apiserver, RBAC, no kubelet or
// controllers): every object must be accepted by the API server, RBAC must grant exactly what
// the comments claim, and an upgrade must keep the webhook's certificate (the lookup branch,
// which `helm template` cannot reach). Skipped, visibly, where .ci/install-kube has
// not built the server.
const APISERVER_SH = path.join(ROOT, 'test', 'k8s', 'apiserver.sh');
const haveApiserver = fs.existsSync(APISERVER_SH) && fs.existsSync(path.join(ROOT, 'build', 'tools', 'kube-apiserver'));
(haveApiserver ? describe : describe.skip)('helm install / upgrade / uninstall against a real kube-apiserver', () => {
  const state = path.join(tmp, 'apiserver.path');
  const env: Record<string, string> = {};

  beforeAll(() => {
    const base = { ...process.env, K8S_TEST_STATE: state } as Record<string, string>;
    const start = spawnSync('bash', [APISERVER_SH, 'start'], { encoding: 'utf8', env: base });
    if (start.status !== 0) throw new Error(`apiserver.sh start: ${start.stderr}`);
    const out = spawnSync('bash', [APISERVER_SH, 'env'], { encoding: 'utf8', env: base }).stdout;
    for (const [, k, v] of out.matchAll(/^export (\w+)=(.*)$/gm)) env[k] = v;
    Object.assign(env, { K8S_TEST_STATE: state });
  }, 120_000);

  afterAll(() => {
    spawnSync('bash', [APISERVER_SH, 'stop'], { env: { ...process.env, K8S_TEST_STATE: state } });
  });

  /** kube calls the API server as the admin. */
  function kube(method: string, urlPath: string, body?: Obj): Promise<{ status: number; body: Obj }> {
    const url = new URL(urlPath, env.K8S_TEST_SERVER);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: fs.readFileSync(env.K8S_TEST_CA_FILE),
          headers: { Authorization: `Bearer ${env.K8S_TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Obj }));
        },
      );
      req.on('error', reject);
      if (body) req.write(JSON.stringify(body));
      req.end();
    });
  }

  function helmK(args: string[]): string {
    const r = spawnSync(HELM, [...args, '--kubeconfig', env.KUBECONFIG], {
      encoding: 'utf8',
      env: { ...process.env, HELM_CACHE_HOME: tmp, HELM_CONFIG_HOME: tmp, HELM_DATA_HOME: tmp },
    });
    if (r.status !== 0) throw new Error(`helm ${args[0]}: ${r.stderr}`);
    return r.stdout;
  }

  /** can asks the API server whether a service account may do VERB on RESOURCE (a SubjectAccessReview). */
  async function can(sa: string, verb: string, resource: string, group = '', namespace?: string): Promise<boolean> {
    const r = await kube('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${NS}:${sa}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
        resourceAttributes: { verb, resource, group, namespace, name: resource === 'daemonsets' ? FULLNAME : undefined },
      },
    });
    return r.body.status.allowed === true;
  }

  const secretPath = `/api/v1/namespaces/${NS}/secrets/${FULLNAME}-webhook-tls`;
  const vwcPath = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${FULLNAME}-webhook`;

  test('install: the API server accepts every object; RBAC grants the agent nodes get/patch and nothing else', async () => {
    helmK([
      'install',
      RELEASE,
      CHART,
      '-n',
      NS,
      '--create-namespace',
      '--set',
      'webhook.enabled=true',
      '--set',
      'uninstallOnDelete=true',
      '--no-hooks',
    ]);
    const ds = await kube('GET', `/apis/apps/v1/namespaces/${NS}/daemonsets/${FULLNAME}`);
    expect(ds.status).toBe(200);
    expect((await kube('GET', '/apis/node.k8s.io/v1/runtimeclasses/vaoci')).body.handler).toBe('vaoci');
    const agent = `${FULLNAME}-node`;
    expect(await can(agent, 'get', 'nodes')).toBe(true);
    expect(await can(agent, 'patch', 'nodes')).toBe(true);
    for (const [verb, resource, ns] of [
      ['list', 'nodes'],
      ['watch', 'nodes'],
      ['update', 'nodes'],
      ['delete', 'nodes'],
      ['get', 'pods', NS],
      ['get', 'secrets', NS],
    ] as const) {
      expect([verb, resource, await can(agent, verb, resource, '', ns)]).toEqual([verb, resource, false]);
    }
    const webhook = `${FULLNAME}-webhook`;
    expect(await can(webhook, 'get', 'pods', '', NS)).toBe(false);
    expect(await can(webhook, 'get', 'nodes')).toBe(false);
  });

  test('upgrade: the self-signed CA is read back and kept; the caBundle still matches it', async () => {
    const before = (await kube('GET', secretPath)).body.data['ca.crt'];
    helmK([
      'upgrade',
      RELEASE,
      CHART,
      '-n',
      NS,
      '--set',
      'webhook.enabled=true',
      '--set',
      'nodeConfig.defaults.onError=warn',
      '--no-hooks',
    ]);
    const after = (await kube('GET', secretPath)).body.data['ca.crt'];
    expect(after).toBe(before);
    expect((await kube('GET', vwcPath)).body.webhooks[0].clientConfig.caBundle).toBe(after);
    const config = (await kube('GET', `/api/v1/namespaces/${NS}/configmaps/${FULLNAME}-node-config`)).body.data['config.json'];
    expect(JSON.parse(config).defaults.on_error).toBe('warn');
  });

  test('uninstall removes the cluster-scoped objects too', async () => {
    helmK(['uninstall', RELEASE, '-n', NS, '--no-hooks']);
    for (const p of [
      '/apis/node.k8s.io/v1/runtimeclasses/vaoci',
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${FULLNAME}-node`,
      vwcPath,
    ]) {
      expect([p, (await kube('GET', p)).status]).toEqual([p, 404]);
    }
  });
});

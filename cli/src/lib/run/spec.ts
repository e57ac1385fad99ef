/**
 * The OCI runtime config (config.json) of a local container: the defaults
 * `runc spec` and podman use — its own pid, mount, ipc, uts, network
 * (loopback only: `vaoci run` sets up no network; --network host shares the
 * host's instead, no namespace) and cgroup namespaces,
 * Docker's default capabilities, no new privileges, the usual /proc, /dev,
 * /sys mounts with masked and read-only paths — plus the process, the
 * volumes and the annotations. The runtime wrapper then adds vaoci's part.
 */
import type { ContainerProcess } from './process';
import type { Network, Volume } from './options';

/** SpecInput is everything that varies between containers. */
export interface SpecInput {
  process: ContainerProcess;
  terminal: boolean;
  hostname: string;
  annotations: Record<string, string>;
  volumes: Volume[];
  /** network: none (a new namespace, only lo; the default) or host (no namespace). */
  network?: Network;
}

const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const MASKED = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** buildSpec returns config.json for a bundle whose rootfs is `rootfs` beside it. */
export function buildSpec(s: SpecInput): Record<string, unknown> {
  const p = s.process;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: s.terminal,
      user: { uid: p.user.uid, gid: p.user.gid },
      args: p.args,
      env: s.terminal && !p.env.some((e) => e.startsWith('TERM=')) ? [...p.env, 'TERM=xterm'] : p.env,
      cwd: p.cwd,
      capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: s.hostname,
    mounts: [...baseMounts(), ...s.volumes.map(bind)],
    annotations: s.annotations,
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']
        .filter((t) => t !== 'network' || s.network !== 'host')
        .map((type) => ({ type })),
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
    },
  };
}

function baseMounts(): object[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function bind(v: Volume): object {
  return { destination: v.destination, type: 'bind', source: v.source, options: ['rbind', v.readonly ? 'ro' : 'rw'] };
}

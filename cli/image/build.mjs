#!/usr/bin/env node
// Builds vaoci's image, the one the Helm chart's DaemonSet and webhook run
// (charts/vaoci/values.yaml image.repository:appVersion), for linux/amd64 and
// linux/arm64, with no registry:
//   OUT/oci                an OCI image layout; index.json names one image
//                          index (ref.name = Chart.yaml's appVersion) whose
//                          manifests are the two platforms
//   OUT/vaoci-ARCH.tar     a docker-archive per architecture (docker/podman load)
// Each image's layers, lowest first:
//   base       Debian 12's loader and the libraries node needs (cli/image/debs.json),
//              /etc/passwd (root, nonroot 65532), /tmp, /dev, /proc, /sys
//   node       /usr/local/bin/node (cli/image/node.json)
//   modules    the CLI's production node_modules        (the same blob in both images)
//   cli        /usr/local/lib/vaoci, /usr/local/bin/vaoci  (the same blob in both images)
//   data plane /usr/share/vaoci/{x86_64,aarch64}/: what `vaoci node install` copies
//              (the installer takes the node's architecture; the same blob in both)
// Deterministic: sorted entries, uid/gid 0, one mtime ($SOURCE_DATE_EPOCH,
// else the last commit's time), gzip level 6 without a timestamp. Compressed
// layers are cached by diff_id under CACHE/layers (--fresh: compress again).
//
//   node cli/image/build.mjs [OUT] [--cache DIR] [--fresh]   (default build/image, OUT/cache)
// Needs `make build`'s native, hook and cli outputs; downloads only from the
// npm registry and Debian's archive, once, into CACHE.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import YAML from 'yaml';
import { addCli, addModules, prodModules, NODE_PATH } from './cli-tree.mjs';
import { writeDockerArchive } from './docker-archive.mjs';
import { NODE_PIN, debRoot, nodeDir } from './fetch.mjs';
import { addLibraries } from './glibc.mjs';
import { MEDIA, PATH_ENV, REF_NAME, Tree, blob, finishLayout, jsonBlob, layerTar, replaceDir, sha256, sourceDate } from './oci.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARCHES = { amd64: { triplet: 'x86_64-linux-gnu', build: 'x86_64' }, arm64: { triplet: 'aarch64-linux-gnu', build: 'aarch64' } };
// What `vaoci node install` copies from /usr/share/vaoci/ARCH (cli/src/lib/node/plan.ts, DATA_PLANE),
// vaoci-nri (the chart runs it in NRI mode; --mode nri installs it), and the unpacker's whiteout writer, which `vaoci run` from the image needs (cli/src/lib/tool.ts).
const DATA_PLANE = [
  'vaoci-runtime',
  'vaoci-hook',
  'vaoci-reserve',
  'vaoci-launch',
  'libvaoci-preload.so',
  'vaoci-nri',
  'vaoci-overlay-marks',
];
const CONTAINERD_NAME = 'io.containerd.image.name';
const GZIP_LEVEL = 6;
const gzip = promisify(zlib.gzip);

function die(line) {
  console.error(`image: ${line}`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = { out: path.join(ROOT, 'build', 'image'), cache: undefined, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--fresh') o.fresh = true;
    else if (argv[i] === '--cache' && argv[i + 1]) o.cache = path.resolve(argv[++i]);
    else if (!argv[i].startsWith('-')) o.out = path.resolve(argv[i]);
    else die(`${argv[i]}: unknown — expected [OUT] [--cache DIR] [--fresh]`);
  }
  return { ...o, cache: o.cache ?? path.join(o.out, 'cache') };
}

/** reference is the chart's default image: values.yaml's image.repository and Chart.yaml's appVersion (an empty image.tag means it). */
function reference(root = ROOT) {
  const chart = YAML.parse(fs.readFileSync(path.join(root, 'charts/vaoci/Chart.yaml'), 'utf8'));
  const values = YAML.parse(fs.readFileSync(path.join(root, 'charts/vaoci/values.yaml'), 'utf8'));
  return { repository: values.image.repository, tag: String(chart.appVersion) };
}

/** layerTrees are each architecture's layer trees, lowest first; the shared ones are the same objects. */
function layerTrees(cache) {
  const modules = new Tree();
  addModules(modules, prodModules(ROOT, cache));
  const cli = new Tree();
  addCli(cli, ROOT);
  const plane = new Tree();
  for (const { build } of Object.values(ARCHES)) {
    for (const f of DATA_PLANE) {
      const from = path.join(ROOT, 'build', build, f);
      if (!fs.existsSync(from)) die(`build/${build}/${f} is missing — run \`make build\` first`);
      plane.file(`usr/share/vaoci/${build}/${f}`, fs.readFileSync(from), f.endsWith('.so') ? 0o644 : 0o755);
    }
  }
  const trees = {};
  for (const [arch, { triplet, build }] of Object.entries(ARCHES)) {
    const nodeFrom = nodeDir(cache, arch);
    const libc = new Tree();
    libc.dir('tmp', 0o1777);
    for (const d of ['dev', 'proc', 'sys']) libc.dir(d); // mount points (a read-only root cannot grow them)
    libc.dir('root', 0o700);
    // Node's os.homedir() without $HOME asks getpwuid: root (the installer) and 65532 (the agent, the webhook).
    libc.file('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n');
    libc.file('etc/group', 'root:x:0:\nnonroot:x:65532:\n');
    addLibraries(libc, debRoot(cache, arch), triplet, path.join(nodeFrom, 'bin/node'));
    const copyright = path.join(debRoot(cache, arch), 'usr/share/doc/libc6/copyright');
    libc.file('usr/share/doc/libc6/copyright', fs.readFileSync(copyright));
    const node = new Tree();
    node.file(NODE_PATH, fs.readFileSync(path.join(nodeFrom, 'bin/node')), 0o755);
    node.file('usr/local/share/doc/node/LICENSE', fs.readFileSync(path.join(nodeFrom, 'LICENSE')));
    // The chart's NRI container runs `vaoci-nri` whatever the node's architecture: this one's.
    node.symlink('usr/local/bin/vaoci-nri', `../../share/vaoci/${build}/vaoci-nri`);
    trees[arch] = [
      ['base', libc],
      ['node', node],
      ['modules', modules],
      ['cli', cli],
      ['data plane', plane],
    ];
  }
  return trees;
}

/** packLayers turns every distinct tree into its tar, diff_id and gzip blob (compressed in parallel, cached by diff_id). */
async function packLayers(trees, mtime, cache, fresh) {
  const packed = new Map();
  for (const layers of Object.values(trees)) {
    for (const [, tree] of layers) {
      if (packed.has(tree)) continue;
      const tar = await layerTar(tree, mtime);
      packed.set(tree, { tar, diffId: sha256(tar) });
    }
  }
  const dir = path.join(cache, 'layers');
  fs.mkdirSync(dir, { recursive: true });
  await Promise.all(
    [...packed.values()].map(async (p) => {
      const file = path.join(dir, `${p.diffId.slice(7)}.l${GZIP_LEVEL}.gz`);
      if (!fresh && fs.existsSync(file)) p.gz = fs.readFileSync(file);
      else {
        p.gz = await gzip(p.tar, { level: GZIP_LEVEL });
        fs.writeFileSync(`${file}.tmp-${process.pid}`, p.gz);
        fs.renameSync(`${file}.tmp-${process.pid}`, file);
      }
    }),
  );
  return packed;
}

async function main() {
  const started = process.hrtime.bigint();
  const o = parseArgs(process.argv.slice(2));
  const { repository, tag } = reference();
  const mtime = sourceDate(ROOT);
  const created = mtime.toISOString();
  fs.mkdirSync(o.cache, { recursive: true });
  fs.mkdirSync(o.out, { recursive: true });
  const trees = layerTrees(o.cache);
  const packed = await packLayers(trees, mtime, o.cache, o.fresh);
  const layout = path.join(o.out, 'oci');
  const tmp = `${layout}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    const manifests = [];
    const sizes = {};
    for (const [arch, layers] of Object.entries(trees)) {
      const ps = layers.map(([, tree]) => packed.get(tree));
      const config = {
        created,
        architecture: arch,
        os: 'linux',
        config: {
          Entrypoint: ['/usr/local/bin/vaoci'],
          Cmd: ['--help'],
          Env: [PATH_ENV],
          WorkingDir: '/',
          Labels: { 'org.opencontainers.image.title': 'vaoci', 'org.opencontainers.image.version': tag },
        },
        rootfs: { type: 'layers', diff_ids: ps.map((p) => p.diffId) },
        history: layers.map(([what]) => ({ created, created_by: `cli/image/build.mjs: ${what}` })),
      };
      const configBytes = Buffer.from(JSON.stringify(config));
      const manifest = {
        schemaVersion: 2,
        mediaType: MEDIA.manifest,
        config: blob(tmp, configBytes, MEDIA.config),
        layers: ps.map((p) => blob(tmp, p.gz, MEDIA.layerGzip)),
      };
      manifests.push({ ...jsonBlob(tmp, manifest, MEDIA.manifest), platform: { architecture: arch, os: 'linux' } });
      sizes[arch] = manifest.layers.reduce((n, l) => n + l.size, 0);
      await writeDockerArchive(
        path.join(o.out, `vaoci-${arch}.tar`),
        {
          config: configBytes,
          configDigest: manifest.config.digest,
          layers: ps.map((p) => p.tar),
          diffIds: config.rootfs.diff_ids,
          repoTag: `${repository}:${tag}`,
        },
        mtime,
      );
    }
    const index = jsonBlob(tmp, { schemaVersion: 2, mediaType: MEDIA.index, manifests }, MEDIA.index);
    finishLayout(tmp, [{ ...index, annotations: { [REF_NAME]: tag, [CONTAINERD_NAME]: `${repository}:${tag}` } }]);
    const shown = replaceDir(tmp, layout);
    const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
    const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);
    console.log(
      `image: ${shown}:${tag} ${index.digest} (${repository}:${tag}; node ${NODE_PIN.version}; compressed amd64 ${mb(sizes.amd64)}, arm64 ${mb(sizes.arm64)}) in ${seconds} s`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  die(e instanceof Error ? e.message : String(e));
}

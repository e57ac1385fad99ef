// A docker-archive (the tar `docker save` writes, which `docker load`,
// `podman load` and skopeo's docker-archive: read) of one image: its config
// as HEX.json, each layer uncompressed as DIFFIDHEX.tar, and manifest.json
// naming the image's reference. Deterministic like the layout (cli/image/oci.mjs).
import * as fs from 'node:fs';
import { Tree, layerTar } from './oci.mjs';

/** writeDockerArchive writes FILE from the config's bytes and digest, the layers' tars (lowest first) and their diff_ids. */
export async function writeDockerArchive(file, { config, configDigest, layers, diffIds, repoTag }, mtime) {
  const tree = new Tree();
  const configName = `${configDigest.slice(7)}.json`;
  tree.file(configName, config);
  const layerNames = diffIds.map((d) => `${d.slice(7)}.tar`);
  layers.forEach((bytes, i) => tree.file(layerNames[i], bytes));
  tree.file('manifest.json', `${JSON.stringify([{ Config: configName, RepoTags: [repoTag], Layers: layerNames }])}\n`);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await layerTar(tree, mtime, fs.createWriteStream(tmp));
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

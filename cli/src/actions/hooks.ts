/** `vaoci hooks STAGE`: the oci-hooks(5) file for podman's or CRI-O's hooks directory. */
import { HOOK_STAGES, type HookStage, ociHook, type OciHook } from '../lib/ocihooks';
import { absolutePathOption, oneOfArg } from '../lib/options';
import { action } from './action';

export default action<OciHook>({
  id: 'hooks',
  strict: true,
  args: { stage: oneOfArg('stage', HOOK_STAGES, 'The stage: precreate (podman), createRuntime or poststart (CRI-O).') },
  flags: {
    prefix: absolutePathOption('prefix', 'Where vaoci is installed on the node; the hook is PREFIX/bin/vaoci-hook (default /opt/vaoci).'),
    'hook-path': absolutePathOption('hook-path', 'The path of vaoci-hook, when it is not PREFIX/bin/vaoci-hook.'),
    'node-config': absolutePathOption(
      'node-config',
      'The node config the hook reads, when it is not /etc/vaoci/config.json (passed as VAOCI_CONFIG).',
    ),
  },
  async run({ args, flags }, out) {
    const doc = ociHook(args.stage as HookStage, {
      prefix: flags.prefix as string | undefined,
      hookPath: flags['hook-path'] as string | undefined,
      nodeConfig: flags['node-config'] as string | undefined,
    });
    if (!out.jsonEnabled()) out.log(JSON.stringify(doc, null, 2));
    return doc;
  },
});

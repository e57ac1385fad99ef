/** The flags every `vaoci node` command shares. */
import { Flags } from '@oclif/core';
import { badInput } from '../errors';
import { absolutePathFlag, oclifOption } from '../flags';
import { nodeOptions } from './options';
import { parseWindow } from '../policy/window';

export const nodeFlags = {
  'host-root': oclifOption(nodeOptions['host-root']),
  prefix: oclifOption(nodeOptions.prefix),
};

export const engineFlag = Flags.option({
  options: ['auto', 'containerd', 'cri-o'] as const,
  default: 'auto' as const,
  summary: 'The container engine to register with (auto: the one this node has).',
})();

/** modeFlags choose how containers reach vaoci (`vaoci node install`). */
export const modeFlags = {
  mode: Flags.option({
    options: ['runtime-class', 'nri', 'auto'] as const,
    default: 'runtime-class' as const,
    summary:
      "How containers reach vaoci: runtime-class (the engine's handler vaoci runs the wrapper), nri (vaoci-nri adjusts containers; no engine config, no restart) or auto (nri where the engine serves NRI).",
  })(),
  'nri-socket': absolutePathFlag(
    'nri-socket',
    "The engine's NRI socket on the node, which auto looks for (default /var/run/nri/nri.sock).",
  ),
};

/** binfmtFlags choose vaoci-binfmt's place in binfmt_misc (`vaoci node install`). */
export const binfmtFlags = {
  binfmt: Flags.string({
    default: 'auto',
    summary:
      'The binfmt_misc entry to put vaoci-binfmt in front of: auto (the x86-64 entry, when a static qemu runs it), never, or an entry name.',
  }),
  'binfmt-va-limit': Flags.string({
    default: 'x86_64',
    summary: 'The window vaoci-binfmt reserves when a container sets none (x86_64, i386 or 0xLOWER-0xUPPER).',
    parse: async (input) => {
      if (typeof parseWindow(input) !== 'object')
        throw badInput(`--binfmt-va-limit \`${input}\`: expected x86_64, i386 or 0xLOWER-0xUPPER (page-aligned, LOWER != UPPER)`);
      return input;
    },
  }),
};

/**
 * restartCommandFlag: how to restart the engine on a node without systemd, as words run inside the
 * node's root (split on spaces, no quoting: name a script on the node for anything more). Implies --restart.
 */
export const restartCommandFlag = Flags.custom<string[]>({
  summary: "Restart the engine with this command (words, run chrooted in the node's root) instead of systemctl; implies --restart.",
  helpValue: '<command>',
  parse: async (input) => {
    const words = input.trim().split(/\s+/).filter(Boolean);
    if (!words.length) throw badInput(`--restart-command \`${input}\`: expected a command, e.g. "rc-service containerd restart"`);
    return words;
  },
});

/**
 * The Node labels vaoci's agent sets (labels.ts decides them; `vaoci explain
 * --node-labels` reads them back, explain-node.ts). Their own file so the
 * reader does not load the agent's node inspection.
 */
export const LABELS = {
  ready: 'vaoci.io/ready',
  mode: 'vaoci.io/mode',
  vaBits: 'vaoci.io/va-bits',
  version: 'vaoci.io/version',
  emulator: 'vaoci.io/emulator',
  linkage: 'vaoci.io/emulator-linkage',
  flags: 'vaoci.io/emulator-flags',
  fronted: 'vaoci.io/emulator-fronted',
  i386: 'vaoci.io/i386-emulator',
} as const;

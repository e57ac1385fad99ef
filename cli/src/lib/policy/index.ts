/**
 * The policy contract's TypeScript side: resolvePolicy (pure: annotations +
 * node config + container name + detected facts → policy or problem lines)
 * and detect (the facts, from a bundle's rootfs and binfmt_misc).
 */
export { resolvePolicy } from './resolve';
export { detect, detectEntrypoint, hostArch, type DetectOptions, type OciConfig } from './detect';
export { detectBinfmt, parseRegistration, emulatorName, matches, handles, elfHeader, readRegistrations } from './binfmt';
export { readElf, archOf, ElfError, type ElfFacts } from './elf';
export { resolveInRoot, findEntrypoint, RootfsError, MAX_LINKS, DEFAULT_PATH, type RootIo } from './rootfs';
export { problemLine } from './line';
export type * from './types';

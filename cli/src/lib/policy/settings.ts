/**
 * Settings by precedence: per-container annotation > pod-wide annotation >
 * node config > built-in default. Every vaoci.io/ annotation of the pod is
 * checked (not only the ones for this container), so a typo is caught the
 * same whichever container starts first; a bad one is skipped, so under
 * on-error warn the next source decides.
 */
import { KEYS, PREFIX } from './grammar.gen';
import { parseKey } from './keys';
import { compareBytes, problemLine } from './line';
import type { NodeConfig, SettingKey, SourceKind } from './types';
import { parseValue } from './values';
import type { Window } from './window';

/** Chosen is the setting that won for one key: its word (or window), where it came from, and the text as written. */
export interface Chosen {
  word: string;
  window?: Window;
  raw: string;
  source: Exclude<SourceKind, 'detected'>;
  /** key is the annotation key or node-config pointer that gave it; absent for the built-in default. */
  key?: string;
  /** lineKey names the setting in a problem line: the annotation key, else the pod-wide key. */
  lineKey: string;
}

/** Settings holds the winner for every key and the problem lines of every bad annotation or node-config default. */
export interface Settings {
  chosen: Record<SettingKey, Chosen>;
  problems: string[];
}

type Candidates = Partial<Record<SettingKey, Chosen>>;

/** collectSettings applies the precedence to one container's annotations and the node config. */
export function collectSettings(annotations: Record<string, unknown>, nodeConfig: NodeConfig | undefined, container: string): Settings {
  const problems: string[] = [];
  const own: Candidates = {};
  const pod: Candidates = {};
  for (const key of Object.keys(annotations).sort(compareBytes)) {
    const raw = annotations[key];
    const parsed = parseKey(key, raw);
    if (parsed.kind === 'foreign') continue;
    if (parsed.kind === 'problem') {
      problems.push(parsed.line);
      continue;
    }
    const value = parseValue(parsed.key, raw);
    if (!value.ok) {
      problems.push(problemLine(key, raw, value.expected));
      continue;
    }
    const source = parsed.container === undefined ? 'pod-annotation' : 'container-annotation';
    const chosen: Chosen = { word: value.word, window: value.window, raw: raw as string, source, key, lineKey: key };
    if (parsed.container === undefined) pod[parsed.key] = chosen;
    else if (parsed.container === container) own[parsed.key] = chosen;
  }
  const node = nodeDefaults(nodeConfig, problems);
  const chosen = {} as Record<SettingKey, Chosen>;
  for (const info of KEYS) {
    const lineKey = PREFIX + info.name;
    const builtin: Chosen = { word: info.builtin, raw: info.builtin, source: 'default', lineKey };
    chosen[info.name] = own[info.name] ?? pod[info.name] ?? node[info.name] ?? builtin;
  }
  return { chosen, problems };
}

/** nodeDefaults reads the node config's defaults, adding a problem line (keyed by JSON pointer) per bad one. */
function nodeDefaults(nodeConfig: NodeConfig | undefined, problems: string[]): Candidates {
  const out: Candidates = {};
  const defaults = (nodeConfig?.defaults ?? {}) as Record<string, unknown>;
  for (const info of KEYS) {
    if (!(info.configField in defaults)) continue;
    const pointer = `/defaults/${info.configField}`;
    const raw = defaults[info.configField];
    const value = parseValue(info.name, raw);
    if (!value.ok) {
      problems.push(problemLine(pointer, raw, value.expected));
      continue;
    }
    out[info.name] = {
      word: value.word,
      window: value.window,
      raw: raw as string,
      source: 'node-config',
      key: pointer,
      lineKey: PREFIX + info.name,
    };
  }
  return out;
}

/**
 * Annotation keys: `vaoci.io/KEY` (pod-wide) and `vaoci.io/KEY.CONTAINER`
 * (one container), with the typo guard for unknown vaoci.io/ keys and
 * Kubernetes' 63-character limit on the name after the `/`.
 */
import { EXPECT, KEYS, KEY_NAME_MAX, LABEL, PREFIX } from './grammar.gen';
import { closest, fmt, problemLine } from './line';
import type { SettingKey } from './types';

/** ParsedKey is a key outside vaoci.io/ (ignored), a setting, or a problem line. */
export type ParsedKey = { kind: 'foreign' } | { kind: 'setting'; key: SettingKey; container?: string } | { kind: 'problem'; line: string };

const NAMES: readonly string[] = KEYS.map((k) => k.name);

/**
 * parseKey classifies one annotation key. `value` is only used to write the
 * problem line, which always shows the key's value too.
 */
export function parseKey(key: string, value: unknown): ParsedKey {
  if (!key.startsWith(PREFIX)) return { kind: 'foreign' };
  const name = key.slice(PREFIX.length);
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const info = KEYS.find((k) => k.name === base);
  if (!info) {
    const near = closest(base, NAMES);
    const guess = near ? fmt(EXPECT.suggest, `${PREFIX}${near}${dot < 0 ? '' : name.slice(dot)}`) : '';
    return { kind: 'problem', line: problemLine(key, value, EXPECT.unknownKey + guess) };
  }
  const length = Buffer.byteLength(name, 'utf8');
  if (length > KEY_NAME_MAX) {
    const expected = fmt(EXPECT.keyTooLong, KEY_NAME_MAX, length, base, info.containerMax, base);
    return { kind: 'problem', line: problemLine(key, value, expected) };
  }
  if (dot < 0) return { kind: 'setting', key: info.name };
  const container = name.slice(dot + 1);
  if (!isLabel(container)) return { kind: 'problem', line: problemLine(key, value, EXPECT.container) };
  return { kind: 'setting', key: info.name, container };
}

/** isLabel checks a DNS-1123 label's characters (its length is bounded by the key limit). */
export function isLabel(text: string): boolean {
  if (text.length === 0) return false;
  const edge = (c: string) => LABEL.edge.includes(c);
  return edge(text[0]) && edge(text[text.length - 1]) && [...text].every((c) => LABEL.inner.includes(c));
}

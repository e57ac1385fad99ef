/**
 * Setting values: each key's words from the schema, plus a window for
 * va-limit. A bad value yields the "expected ..." text of its error line.
 */
import { EXPECT, KEYS } from './grammar.gen';
import { suggest } from './line';
import type { SettingKey } from './types';
import { looksLikeRange, parseWindow, type Window } from './window';

/** ParsedValue is one of the key's words, or (va-limit only) `window` with the parsed window. */
export type ParsedValue = { ok: true; word: string; window?: Window } | { ok: false; expected: string };

/** parseValue checks one setting value against its key's grammar. */
export function parseValue(key: SettingKey, raw: unknown): ParsedValue {
  if (typeof raw !== 'string') return { ok: false, expected: EXPECT.string };
  const info = KEYS.find((k) => k.name === key);
  if (!info) throw new Error(`parseValue: unknown key ${key}`);
  const words: readonly string[] = info.values;
  if (words.includes(raw)) return { ok: true, word: raw };
  if (info.hasWindow && looksLikeRange(raw)) {
    const w = parseWindow(raw);
    return typeof w === 'string' ? { ok: false, expected: EXPECT.window } : { ok: true, word: 'window', window: w };
  }
  return { ok: false, expected: EXPECT[key] + suggest(raw, words) };
}

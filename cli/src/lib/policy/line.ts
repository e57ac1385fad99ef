/**
 * The one-line problem format shared with the C resolver
 * (hook/policy/line.c): `KEY: value "VALUE" — expected WHAT`. Both sides
 * must print byte-identical lines, so everything here is spelled out
 * (escaping, truncation, suggestions) instead of left to JSON.stringify.
 */
import { EXPECT } from './grammar.gen';

/** VALUE_MAX is how many code points of a value a line shows before cutting it with `…`. */
export const VALUE_MAX = 64;
/** KEY_MAX is how many code points of a key a line shows before cutting it with `…`. */
export const KEY_MAX = 128;
/** PREFIX_MIN is the shortest text a suggestion may complete (`x86` → x86_64). */
export const PREFIX_MIN = 3;
/** SUGGEST_MAX is the longest (ASCII) text for which a "did you mean" is computed. */
export const SUGGEST_MAX = 32;

/**
 * problemLine formats one problem: the key, the value as written (a string,
 * quoted and JSON-escaped; anything else by its JSON type) and what was
 * expected.
 */
export function problemLine(key: string, value: unknown, expected: string): string {
  return `${escape(cut(key, KEY_MAX))}: ${showValue(value)} — expected ${expected}`;
}

/** showValue prints `value "TEXT"` for a string and `value of type T` for anything else. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return `value "${escape(cut(value, VALUE_MAX))}"`;
  return `value of type ${jsonType(value)}`;
}

/** jsonType names a JSON value's type: null, boolean, number, array, object. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** cut keeps the first max-1 code points of a longer text and appends `…`. */
export function cut(text: string, max: number): string {
  const points = Array.from(text);
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : text;
}

/**
 * escape writes a text as inside a JSON string: `"` and `\` backslashed,
 * \b \f \n \r \t by name, other control characters as \u00xx (lower-case),
 * everything else (DEL, non-ASCII) as is. The line stays one line.
 */
export function escape(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20) out += ch;
    else out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** fmt fills a message template's %s and %d in order (the C side uses the same template with snprintf). */
export function fmt(template: string, ...args: Array<string | number>): string {
  let i = 0;
  return template.replace(/%[sd]/g, () => String(args[i++]));
}

/**
 * suggest returns `; did you mean CANDIDATE?` for the candidate closest to
 * `text` (see closest), or '' when none is close.
 */
export function suggest(text: string, candidates: readonly string[]): string {
  const near = closest(text, candidates);
  return near ? fmt(EXPECT.suggest, near) : '';
}

/**
 * closest returns, for short printable ASCII text, compared lower-cased: the
 * first candidate the text (3 characters or more) begins, else the first
 * candidate nearest to it by Levenshtein distance if that is at most 2;
 * otherwise ''.
 */
export function closest(text: string, candidates: readonly string[]): string {
  if (text.length > SUGGEST_MAX || !/^[\x20-\x7e]*$/.test(text)) return '';
  const lower = text.toLowerCase();
  const prefixOf = lower.length >= PREFIX_MIN ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
  if (prefixOf) return prefixOf;
  let best = '';
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** distance is the Levenshtein edit distance between two ASCII texts. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** compareBytes orders texts by their UTF-8 bytes, as C's strcmp does. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * VA windows in TypeScript: the twin of native/src/window.c (which the C
 * resolver calls). Accepts exactly what `vaoci-reserve --va-limit` accepts:
 * x86_64, i386, or 0xLOWER-0xUPPER with the digit count and alignment read
 * from schemas/annotations.schema.json, LOWER != UPPER.
 */
import { WINDOW } from './grammar.gen';

/** X86_64_UPPER is the first address past x86-64's user space (2^47). */
export const X86_64_UPPER = 1n << 47n;
/** I386_UPPER is the first address past i386's 4 GiB (2^32). */
export const I386_UPPER = 1n << 32n;

/** Window is [lower, upper), or everything but [upper, lower) when it wraps; lower 0 = bottom of user space. */
export interface Window {
  kind: 'x86_64' | 'i386' | 'custom';
  lower: bigint;
  upper: bigint;
}

/** WindowJson is a window as the policy schema writes it (defs.schema.json#/$defs/window). */
export interface WindowJson {
  text: string;
  lower: string;
  upper: string;
  wraps: boolean;
}

/** WINDOW_X86_64 is the x86_64 preset. */
export const WINDOW_X86_64: Window = { kind: 'x86_64', lower: 0n, upper: X86_64_UPPER };
/** WINDOW_I386 is the i386 preset. */
export const WINDOW_I386: Window = { kind: 'i386', lower: 0n, upper: I386_UPPER };

/**
 * parseWindow reads a window. It returns the window, `shape` when the text
 * is not a preset nor 0x…-0x… at all, or `bounds` when it looks like a
 * range but breaks a rule (digits, alignment, LOWER == UPPER): the two get
 * different error texts.
 */
export function parseWindow(text: string): Window | 'shape' | 'bounds' {
  if (text === 'x86_64') return WINDOW_X86_64;
  if (text === 'i386') return WINDOW_I386;
  if (!looksLikeRange(text)) return 'shape';
  const m = /^0[xX]([0-9a-fA-F]+)-0[xX]([0-9a-fA-F]+)$/.exec(text);
  if (!m || m[1].length > WINDOW.hexDigitsMax || m[2].length > WINDOW.hexDigitsMax) return 'bounds';
  const lower = BigInt(`0x${m[1]}`);
  const upper = BigInt(`0x${m[2]}`);
  const align = BigInt(WINDOW.align);
  if (lower === upper || lower % align !== 0n || upper % align !== 0n) return 'bounds';
  return { kind: 'custom', lower, upper };
}

/** looksLikeRange is true for text that starts with 0x or 0X and has a '-': meant as a range. */
export function looksLikeRange(text: string): boolean {
  return /^0[xX]/.test(text) && text.includes('-');
}

/** hex prints an address as lower-case hex with 0x, no leading zeros (as C's 0x%lx). */
export function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

/** formatWindow writes a window's canonical text, as vaoci_window_format does. */
export function formatWindow(w: Window): string {
  return w.kind === 'custom' ? `${hex(w.lower)}-${hex(w.upper)}` : w.kind;
}

/** wraps is true for a wrap-around window (lower > upper). */
export function wraps(w: Window): boolean {
  return w.lower > w.upper;
}

/** windowJson writes a window as the policy schema does. */
export function windowJson(w: Window): WindowJson {
  return { text: formatWindow(w), lower: hex(w.lower), upper: hex(w.upper), wraps: wraps(w) };
}

/**
 * containsWindow says whether window `outer` holds every address of `inner`,
 * a non-wrapping window starting at the bottom of user space (a preset):
 * then reserving outer's complement takes nothing inner allows.
 */
export function containsWindow(outer: Window, inner: Window): boolean {
  if (wraps(outer)) return outer.upper >= inner.upper; // the hole [upper, lower) lies above inner
  return outer.lower === 0n && outer.upper >= inner.upper;
}

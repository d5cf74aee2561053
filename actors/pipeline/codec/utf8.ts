/**
 * UTF-8 for many strings with one encoding or decoding call for all of them instead of one call
 * each (each call crosses into the runtime). ASCII text, the usual case, takes the fast path; other
 * text falls back to one call per string, so the result is always what separate calls give.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Strings laid out back to back: string `i` is `bytes[offsets[i] .. offsets[i + 1]]`. */
export interface Utf8Run {
  bytes: Uint8Array;
  offsets: Int32Array;
}

/** Encodes `values` back to back. */
export function encodeStrings(values: readonly string[]): Utf8Run {
  const offsets = new Int32Array(values.length + 1);
  const joined = values.join("");
  const bytes = encoder.encode(joined);
  // As many bytes as UTF-16 units only when every character is ASCII (one byte, one unit).
  if (bytes.length === joined.length) {
    let at = 0;
    for (let i = 0; i < values.length; i++) offsets[i + 1] = at += values[i].length;
    return { bytes, offsets };
  }
  let out = new Uint8Array(bytes.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (at + value.length * 3 > out.length) {
      const grown = new Uint8Array(Math.max(out.length * 2, at + value.length * 3));
      grown.set(out.subarray(0, at));
      out = grown;
    }
    at += encoder.encodeInto(value, out.subarray(at)).written;
    offsets[i + 1] = at;
  }
  return { bytes: out.subarray(0, at), offsets };
}

/**
 * Decodes strings `first .. first + count - 1` of a run (`offsets` as in `Utf8Run`, possibly
 * starting past 0). When the text has one character per byte, each string is a slice of it at
 * its byte offsets, exactly what decoding the string alone gives (no byte joined another into
 * one character); otherwise each string is decoded alone.
 */
export function decodeStrings(
  bytes: Uint8Array,
  offsets: ArrayLike<number>,
  first: number,
  count: number,
): string[] {
  const out: string[] = new Array(count);
  const start = offsets[first];
  const text = decoder.decode(bytes.subarray(start, offsets[first + count]));
  const aligned = text.length === offsets[first + count] - start;
  for (let i = 0; i < count; i++) {
    const from = offsets[first + i];
    const to = offsets[first + i + 1];
    out[i] = aligned
      ? text.slice(from - start, to - start)
      : decoder.decode(bytes.subarray(from, to));
  }
  return out;
}

/**
 * Resizing and freeing large typed arrays at once. `ArrayBuffer.prototype.transfer` moves the
 * contents into a buffer of the new size and frees the old one immediately, where a copy leaves
 * the old buffer to the garbage collector: on millions of rows that is hundreds of MB per column
 * still resident while the next large arrays are filled.
 *
 * @module
 */

/** The typed arrays the model keeps columns in. */
export type NumberColumn = Float64Array | Float32Array | Uint32Array | Int32Array | Uint8Array;

/**
 * `array` resized to `length` elements, contents kept up to the shorter length (new elements are
 * 0). `array` must be the only view of its buffer; it is left empty.
 */
export function resized<T extends NumberColumn>(array: T, length: number): T {
  const buffer = (array.buffer as ArrayBuffer).transfer(length * array.BYTES_PER_ELEMENT);
  return new (array.constructor as new (buffer: ArrayBuffer) => T)(buffer);
}

/**
 * Frees the memory of arrays no longer needed now (each is left empty). Views of part of a buffer
 * and shared buffers are left to the garbage collector.
 */
export function release(...arrays: NumberColumn[]): void {
  for (const array of arrays) {
    const buffer = array.buffer;
    if (
      buffer instanceof ArrayBuffer && !buffer.detached && array.byteLength === buffer.byteLength
    ) {
      buffer.transfer(0);
    }
  }
}

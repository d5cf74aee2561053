/**
 * The framing of an Arrow IPC stream, read without apache-arrow: each message is a continuation
 * marker (`0xFFFFFFFF`), the length of its metadata, the metadata (a flatbuffer `Message`, padded
 * to 8 bytes), then its body; the stream ends with the marker and a length of 0. Used to cut our
 * constant schema and dictionary messages out of an apache-arrow stream, and, before apache-arrow
 * reads another writer's stream, to refuse one whose last message is cut short (apache-arrow
 * would read the messages before it and stop) or whose metadata is not well formed
 * (`arrow_ipc_verify.ts`).
 *
 * @module
 */

import { verifyMessage } from "./arrow_ipc_verify.ts";
import { DecodeError } from "./decode_error.ts";

/** The marker before each message's metadata length. */
export const CONTINUATION = 0xffffffff;
/** Bytes of the end-of-stream marker: continuation and a zero length. */
export const END_OF_STREAM_BYTES = 8;
/** `Message.version` of Arrow 1.0 and later (`MetadataVersion.V5`). */
export const METADATA_VERSION = 4;

/** `MessageHeader` union types. */
export const MessageType = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;

/** One message of a stream: where its metadata and body are, and its header type. */
export interface IpcMessage {
  /** `MessageHeader` type (see `MessageType`). */
  type: number;
  /** Offset of the message (its continuation marker) in the stream. */
  start: number;
  /** Offset of the metadata flatbuffer. */
  metadata: number;
  /** Offset of the body (just past the padded metadata). */
  body: number;
  bodyLength: number;
}

/**
 * The messages of a whole stream, which must end with its end-of-stream marker and nothing after.
 *
 * @throws {DecodeError} the stream is cut short, or a length is not possible.
 */
export function ipcMessages(stream: Uint8Array): IpcMessage[] {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const messages: IpcMessage[] = [];
  // Bytes that do not even frame a first message are not a stream at all.
  const truncated = () =>
    new DecodeError(
      messages.length === 0 ? "not a valid Arrow IPC stream" : "Arrow IPC stream is truncated",
    );
  let at = 0;
  for (;;) {
    if (at + 4 > stream.length) throw truncated();
    let metadata = at + 4;
    let length = view.getInt32(at, true);
    if (length === -1) {
      // CONTINUATION as a signed word; streams before Arrow 0.15 have the length alone.
      if (metadata + 4 > stream.length) throw truncated();
      length = view.getInt32(metadata, true);
      metadata += 4;
    }
    if (length === 0) {
      if (metadata !== stream.length) {
        throw new DecodeError("Arrow IPC stream has bytes after its end-of-stream marker");
      }
      return messages;
    }
    if (length < 0 || metadata + length > stream.length) throw truncated();
    const fields = messageFields(view, metadata, length, messages.length === 0);
    verifyMessage(view, metadata, metadata + length, fields.bodyLength);
    const body = metadata + length;
    if (body + fields.bodyLength > stream.length) throw truncated();
    messages.push({ type: fields.type, start: at, metadata, body, bodyLength: fields.bodyLength });
    at = body + fields.bodyLength;
  }
}

/** `Message.header_type` (field 1) and `Message.bodyLength` (field 3) of a metadata flatbuffer. */
function messageFields(
  view: DataView,
  start: number,
  length: number,
  first: boolean,
): { type: number; bodyLength: number } {
  const end = start + length;
  const bad = () =>
    new DecodeError(
      first ? "not a valid Arrow IPC stream" : "Arrow IPC message metadata is not valid",
    );
  if (length < 8) throw bad();
  const table = start + view.getUint32(start, true);
  if (table + 4 > end) throw bad();
  const vtable = table - view.getInt32(table, true);
  if (vtable < start || vtable + 4 > end) throw bad();
  const vtableSize = view.getUint16(vtable, true);
  if (vtable + vtableSize > end) throw bad();
  const field = (index: number): number => {
    const slot = 4 + 2 * index;
    return slot + 2 <= vtableSize ? view.getUint16(vtable + slot, true) : 0;
  };
  const typeAt = field(1);
  const lengthAt = field(3);
  if (typeAt === 0 || table + typeAt + 1 > end) throw bad();
  let bodyLength = 0;
  if (lengthAt !== 0) {
    if (table + lengthAt + 8 > end) throw bad();
    const low = view.getUint32(table + lengthAt, true);
    const high = view.getInt32(table + lengthAt + 4, true);
    if (high !== 0 || low > 0x7fffffff) throw bad();
    bodyLength = low;
  }
  return { type: view.getUint8(table + typeAt), bodyLength };
}

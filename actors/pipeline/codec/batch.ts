/**
 * The messages of one fetched batch as the decoders take them, and the text of its JSON messages
 * decoded together: one decoding (`decodeStrings`) for every JSON body, then each parsed on its
 * own (`column_batch.ts`), so a bad message is still refused alone.
 *
 * @module
 */

import { decodeStrings } from "./utf8.ts";

/** A message as fetched: its body and its `encoding` header. */
export interface EncodedMessage {
  value: Uint8Array;
  headers: Record<string, string>;
}

/** Whether a message is JSON: its `encoding` header says so, or it has none. */
export function isJson(message: EncodedMessage): boolean {
  const encoding = message.headers.encoding;
  return encoding === undefined || encoding === "json";
}

/** The text of every JSON message (undefined for the others), decoded together. */
export function jsonTexts(messages: readonly EncodedMessage[]): (string | undefined)[] {
  const texts: (string | undefined)[] = new Array(messages.length);
  const json: number[] = [];
  let total = 0;
  messages.forEach((message, index) => {
    if (!isJson(message)) return;
    json.push(index);
    total += message.value.byteLength;
  });
  if (json.length === 0) return texts;
  const joined = new Uint8Array(total);
  const offsets = new Int32Array(json.length + 1);
  json.forEach((index, i) => {
    const value = messages[index].value;
    joined.set(value, offsets[i]);
    offsets[i + 1] = offsets[i] + value.byteLength;
  });
  const decoded = decodeStrings(joined, offsets, 0, json.length);
  json.forEach((index, i) => (texts[index] = decoded[i]));
  return texts;
}

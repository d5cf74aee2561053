/**
 * Decodes the messages of one fetched batch together: the JSON bodies are turned into text with a
 * single decoding (`decodeStrings`), then parsed one by one, so a bad message is still refused on
 * its own.
 *
 * @module
 */

import type { Transaction } from "../../../model/schema.ts";
import { DecodeError, decodeTransactions, parseJsonTransaction } from "./transactions.ts";
import { decodeStrings } from "./utf8.ts";

/** A message as fetched: its body and its `encoding` header. */
export interface EncodedMessage {
  value: Uint8Array;
  headers: Record<string, string>;
}

/** The transactions of a batch of messages, in message order. */
export interface DecodedBatch {
  rows: Transaction[];
  /** Index (in the messages) of the message each row came from. */
  origins: number[];
  /** Messages that could not be decoded, with the reason. */
  failures: { index: number; error: DecodeError }[];
}

/** Decodes `messages` in order; a message that cannot be decoded is a failure, not a throw. */
export function decodeBatch(messages: readonly EncodedMessage[]): DecodedBatch {
  const batch: DecodedBatch = { rows: [], origins: [], failures: [] };
  const texts = jsonTexts(messages);
  for (let index = 0; index < messages.length; index++) {
    const text = texts[index];
    try {
      if (text !== undefined) {
        batch.rows.push(parseJsonTransaction(text));
        batch.origins.push(index);
        continue;
      }
      const message = messages[index];
      for (const row of decodeTransactions(message.value, message.headers.encoding)) {
        batch.rows.push(row);
        batch.origins.push(index);
      }
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      batch.failures.push({ index, error });
    }
  }
  return batch;
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

/**
 * Rows of Sparkov's CSV format as bytes: each customer's 16 columns are encoded once, and per
 * transaction only its 10 columns are written, digit by digit, into one large buffer that is
 * handed to a sink when full.
 *
 * @module
 */

import { CATEGORIES, CSV_SEPARATOR } from "../../../model/schema.ts";
import { DAY_SECONDS, isoDay } from "./calendar.ts";
import { merchants, MERCHANTS_PER_CATEGORY } from "./merchants.ts";
import type { Random } from "./random.ts";
import type { TransactionColumns } from "./sampler.ts";
import { DIGIT_PAIRS, writeMicro, writeUnsigned, ZERO } from "../codec/decimal_bytes.ts";

const encoder = new TextEncoder();

const BAR = CSV_SEPARATOR.charCodeAt(0);
const NEWLINE = 10;
const COLON = 58;
const DOT = 46;

/** Default size of the buffer handed to the sink. */
export const DEFAULT_BUFFER_BYTES = 1 << 22;

/** Room kept free for one row; a customer part longer than this is refused. */
const MAX_ROW_BYTES = 4096;

/** Longest customer part (16 columns and a separator) accepted. */
export const MAX_PREFIX_BYTES = 2048;

/** Two lowercase hex digits for 0..255. */
const HEX_PAIRS = (() => {
  const pairs = new Uint8Array(512);
  const hex = encoder.encode("0123456789abcdef");
  for (let i = 0; i < 256; i++) {
    pairs[2 * i] = hex[i >> 4];
    pairs[2 * i + 1] = hex[i & 15];
  }
  return pairs;
})();

/** `category|` per category. */
const CATEGORY_BYTES = CATEGORIES.map((c) => encoder.encode(c + CSV_SEPARATOR));

let sharedMerchantBytes: Uint8Array[][] | undefined;

/** Each merchant name followed by the separator, per category. */
function merchantBytes(): Uint8Array[][] {
  sharedMerchantBytes ??= merchants().map((names) =>
    names.map((name) => encoder.encode(name + CSV_SEPARATOR))
  );
  return sharedMerchantBytes;
}

/** Where full buffers go: must consume the bytes before returning (they are reused). */
export type ByteSink = (bytes: Uint8Array) => void;

/** Encodes rows of one date range into a reusable buffer. */
export class RowEncoder {
  readonly #sink: ByteSink;
  readonly #buffer: Uint8Array;
  readonly #limit: number;
  #pos = 0;
  /** `YYYY-MM-DD` of each day of the range, 10 bytes each. */
  #dates: Uint8Array;
  /** Seconds since the epoch at midnight UTC of each day. */
  #dayEpochs: Float64Array;
  /** `|0|` / `|1|` followed by each merchant name and `|`, per category and merchant. */
  readonly #merchants: Uint8Array[][];
  /** Bytes written to the sink so far, and still buffered. */
  #bytes = 0;

  /** An encoder for days `first`..`first + days - 1` (day numbers) writing to `sink`. */
  constructor(options: { first: number; days: number; sink: ByteSink; bufferBytes?: number }) {
    this.#sink = options.sink;
    this.#buffer = new Uint8Array(
      Math.max(options.bufferBytes ?? DEFAULT_BUFFER_BYTES, 2 * MAX_ROW_BYTES),
    );
    this.#limit = this.#buffer.length - MAX_ROW_BYTES;
    this.#dates = new Uint8Array(0);
    this.#dayEpochs = new Float64Array(0);
    this.setDays(options.first, options.days);
    this.#merchants = merchantBytes();
  }

  /** Makes day index 0 stand for day number `first`, for `days` days (flush first). */
  setDays(first: number, days: number): void {
    this.#dates = new Uint8Array(days * 10);
    this.#dayEpochs = new Float64Array(days);
    for (let d = 0; d < days; d++) {
      this.#dates.set(encoder.encode(isoDay(first + d)), d * 10);
      this.#dayEpochs[d] = (first + d) * DAY_SECONDS;
    }
  }

  /** Bytes produced so far (written and buffered). */
  get bytes(): number {
    return this.#bytes + this.#pos;
  }

  /** Appends a line of text (e.g. the header) followed by a line break. */
  writeLine(text: string): void {
    const bytes = encoder.encode(text + "\n");
    if (this.#pos + bytes.length > this.#limit) this.flush();
    if (bytes.length > this.#limit) {
      this.#sink(bytes);
      this.#bytes += bytes.length;
      return;
    }
    this.#buffer.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /**
   * Appends one row per transaction of a customer: `prefix` (the customer's 16 columns and a
   * separator), then the transaction's columns; merchant, merchant location (within one degree
   * of `lat`/`long`) and transaction number are drawn from `random`.
   */
  writeTransactions(
    prefix: Uint8Array,
    home: { lat: number; long: number },
    rows: TransactionColumns,
    random: Random,
  ): void {
    const { day, second, category, cents, fraud } = rows;
    for (let i = 0; i < rows.length; i++) {
      this.writeRow(prefix, home, day[i], second[i], category[i], cents[i], fraud[i], random);
    }
  }

  /**
   * Appends one row: `prefix` (customer columns and separator), then the transaction on day
   * index `day` at `second` past midnight, with category index, amount in cents and fraud flag.
   */
  writeRow(
    prefix: Uint8Array,
    home: { lat: number; long: number },
    day: number,
    second: number,
    category: number,
    cents: number,
    fraud: number,
    random: Random,
  ): void {
    if (prefix.length > MAX_PREFIX_BYTES) {
      throw new RangeError(`a customer part of ${prefix.length} bytes is too long`);
    }
    if (this.#pos > this.#limit) this.flush();
    const buf = this.#buffer;
    let p = this.#pos;
    buf.set(prefix, p);
    p += prefix.length;

    // trans_num: 32 hex digits
    for (let w = 0; w < 4; w++) {
      const x = random.u32();
      let h = (x >>> 24) << 1;
      buf[p] = HEX_PAIRS[h];
      buf[p + 1] = HEX_PAIRS[h + 1];
      h = ((x >>> 16) & 255) << 1;
      buf[p + 2] = HEX_PAIRS[h];
      buf[p + 3] = HEX_PAIRS[h + 1];
      h = ((x >>> 8) & 255) << 1;
      buf[p + 4] = HEX_PAIRS[h];
      buf[p + 5] = HEX_PAIRS[h + 1];
      h = (x & 255) << 1;
      buf[p + 6] = HEX_PAIRS[h];
      buf[p + 7] = HEX_PAIRS[h + 1];
      p += 8;
    }
    buf[p++] = BAR;

    // trans_date
    const dates = this.#dates;
    const dateAt = day * 10;
    for (let k = 0; k < 10; k++) buf[p + k] = dates[dateAt + k];
    p += 10;
    buf[p++] = BAR;

    // trans_time
    const hours = (second / 3600) | 0;
    const minutes = ((second % 3600) / 60) | 0;
    const seconds = second % 60;
    buf[p] = DIGIT_PAIRS[hours << 1];
    buf[p + 1] = DIGIT_PAIRS[(hours << 1) + 1];
    buf[p + 2] = COLON;
    buf[p + 3] = DIGIT_PAIRS[minutes << 1];
    buf[p + 4] = DIGIT_PAIRS[(minutes << 1) + 1];
    buf[p + 5] = COLON;
    buf[p + 6] = DIGIT_PAIRS[seconds << 1];
    buf[p + 7] = DIGIT_PAIRS[(seconds << 1) + 1];
    buf[p + 8] = BAR;
    p += 9;

    // unix_time
    p = writeUnsigned(buf, p, this.#dayEpochs[day] + second);
    buf[p++] = BAR;

    // category
    const catBytes = CATEGORY_BYTES[category];
    for (let k = 0; k < catBytes.length; k++) buf[p + k] = catBytes[k];
    p += catBytes.length;

    // amt, is_fraud
    p = writeUnsigned(buf, p, Math.floor(cents / 100));
    const fraction = (cents % 100) << 1;
    buf[p] = DOT;
    buf[p + 1] = DIGIT_PAIRS[fraction];
    buf[p + 2] = DIGIT_PAIRS[fraction + 1];
    buf[p + 3] = BAR;
    buf[p + 4] = fraud === 1 ? ZERO + 1 : ZERO;
    buf[p + 5] = BAR;
    p += 6;

    // merchant
    const merchant = this.#merchants[category][random.below(MERCHANTS_PER_CATEGORY)];
    for (let k = 0; k < merchant.length; k++) buf[p + k] = merchant[k];
    p += merchant.length;

    // merch_lat, merch_long: 6 decimals
    p = writeMicro(buf, p, Math.round((home.lat + 2 * random.float() - 1) * 1e6));
    buf[p++] = BAR;
    p = writeMicro(buf, p, Math.round((home.long + 2 * random.float() - 1) * 1e6));
    buf[p++] = NEWLINE;
    this.#pos = p;
  }

  /** Drops the buffered bytes (after a failed file). */
  discard(): void {
    this.#pos = 0;
  }

  /** Hands the buffered bytes to the sink. */
  flush(): void {
    if (this.#pos === 0) return;
    this.#sink(this.#buffer.subarray(0, this.#pos));
    this.#bytes += this.#pos;
    this.#pos = 0;
  }
}

/**
 * Transformed training data: the encoded features of every transaction with its label, card and
 * event time, as Parquet (written with hyparquet-writer, read back with hyparquet), so training
 * again on the same data version skips reading the CSV files and replaying histories.
 *
 * @module
 */

import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from "hyparquet";
import { type EncoderSettings, FEATURES } from "./features.ts";
import { ModelFormatError } from "./model_file.ts";

/** Encoded data set: feature columns, labels, cards and times, in row order. */
export interface EncodedData {
  length: number;
  /** One column per feature of `FEATURES`. */
  features: Float32Array[];
  label: Uint8Array;
  /** Index into `cards`. */
  card: Uint32Array;
  cards: string[];
  /** Event time, seconds on the data's civil clock. */
  time: Float64Array;
  encoder: EncoderSettings;
}

const FILE = "part-00000.parquet";
const META_CARDS = "fraudstream.cards";
const META_ENCODER = "fraudstream.encoder";
const META_FEATURES = "fraudstream.features";

/** Whether a transformed version exists in `dir`. */
export async function hasTransformed(dir: string): Promise<boolean> {
  try {
    await Deno.stat(join(dir, FILE));
    return true;
  } catch {
    return false;
  }
}

/** Writes the encoded data as Parquet into `dir` (created; written atomically). */
export async function writeTransformed(dir: string, data: EncodedData): Promise<number> {
  const columnData = [
    ...FEATURES.map((feature, f) => ({
      name: feature.name,
      data: data.features[f],
      type: "FLOAT" as const,
    })),
    { name: "is_fraud", data: Int32Array.from(data.label), type: "INT32" as const },
    { name: "card", data: Int32Array.from(data.card), type: "INT32" as const },
    { name: "event_time", data: data.time, type: "DOUBLE" as const },
  ];
  const buffer = parquetWriteBuffer({
    columnData,
    rowGroupSize: 1_000_000,
    kvMetadata: [
      { key: META_CARDS, value: JSON.stringify(data.cards) },
      { key: META_ENCODER, value: JSON.stringify(data.encoder) },
      { key: META_FEATURES, value: JSON.stringify(FEATURES.map((f) => f.name)) },
    ],
    createdBy: "fraudstream",
  });
  await Deno.mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${FILE}.tmp-${Deno.pid}`);
  await Deno.writeFile(temporary, new Uint8Array(buffer));
  await Deno.rename(temporary, join(dir, FILE));
  return buffer.byteLength;
}

/** Reads transformed data written by `writeTransformed`. */
export async function readTransformed(dir: string): Promise<EncodedData> {
  const path = join(dir, FILE);
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const meta = new Map((metadata.key_value_metadata ?? []).map((kv) => [kv.key, kv.value]));
  const features = meta.get(META_FEATURES);
  if (features !== JSON.stringify(FEATURES.map((f) => f.name))) {
    throw new ModelFormatError(
      `${path} holds features ${features} that differ from this fraudstream's; delete it to encode the data again`,
    );
  }
  const length = Number(metadata.num_rows);
  const data: EncodedData = {
    length,
    features: FEATURES.map(() => new Float32Array(length)),
    label: new Uint8Array(length),
    card: new Uint32Array(length),
    cards: JSON.parse(meta.get(META_CARDS) ?? "[]"),
    time: new Float64Array(length),
    encoder: JSON.parse(meta.get(META_ENCODER) ?? "null"),
  };
  const index = new Map<string, ArrayLike<number> & { set?: unknown }>(
    FEATURES.map((feature, f) => [feature.name, data.features[f]]),
  );
  await parquetRead({
    file,
    metadata,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const target = columnName === "is_fraud"
        ? data.label
        : columnName === "card"
        ? data.card
        : columnName === "event_time"
        ? data.time
        : index.get(columnName);
      if (!target) return;
      const values = columnData as ArrayLike<number>;
      const out = target as unknown as { [i: number]: number };
      for (let i = 0; i < values.length; i++) out[rowStart + i] = Number(values[i]);
    },
  });
  return data;
}

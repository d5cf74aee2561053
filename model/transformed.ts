/**
 * Transformed training data: the encoded features of every transaction with its label, card and
 * event time, as Parquet (written with hyparquet-writer, read back with hyparquet), so training
 * again on the same data version skips reading the CSV files and replaying histories.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileWriter, parquetWrite } from "hyparquet-writer";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from "hyparquet";
import { writeFileAtomic } from "../actors/lib/atomic_write.ts";
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
  /** What the data was encoded from (absent in files written before it was recorded). */
  source?: TransformedSource;
}

/**
 * What transformed data was encoded from: every CSV file read (its resolved path, size and
 * modification time) and the rows skipped as bad, so that it stands for those files only.
 */
export interface TransformedSource {
  files: { path: string; size: number; modified: number | null }[];
  bad_rows: number;
}

/** The `TransformedSource` of `files` as they are now, with `badRows` skipped rows. */
export async function sourceOf(files: string[], badRows: number): Promise<TransformedSource> {
  const described = [];
  for (const file of files) {
    const info = await Deno.stat(file);
    described.push({
      path: resolve(file),
      size: info.size,
      modified: info.mtime?.getTime() ?? null,
    });
  }
  return { files: described, bad_rows: badRows };
}

/** Whether transformed data of `recorded` source stands for the CSV files of `current`. */
export function sameFiles(
  recorded: TransformedSource | undefined,
  current: TransformedSource,
): boolean {
  return recorded !== undefined && JSON.stringify(recorded.files) === JSON.stringify(current.files);
}

const FILE = "part-00000.parquet";
const META_CARDS = "fraudstream.cards";
const META_ENCODER = "fraudstream.encoder";
const META_FEATURES = "fraudstream.features";
const META_SOURCE = "fraudstream.source";

/** Whether a transformed version exists in `dir`. */
export async function hasTransformed(dir: string): Promise<boolean> {
  try {
    await Deno.stat(join(dir, FILE));
    return true;
  } catch {
    return false;
  }
}

/** Rows per Parquet row group: the unit written and read at a time. */
const ROW_GROUP = 1_000_000;

/**
 * Writes the encoded data as Parquet into `dir` (created; written atomically), streaming row
 * group by row group to the file; returns the file's size in bytes.
 */
export async function writeTransformed(dir: string, data: EncodedData): Promise<number> {
  const columnData = [
    ...FEATURES.map((feature, f) => ({
      name: feature.name,
      data: data.features[f],
      type: "FLOAT" as const,
      nullable: false,
    })),
    {
      name: "is_fraud",
      data: Int32Array.from(data.label),
      type: "INT32" as const,
      nullable: false,
    },
    { name: "card", data: Int32Array.from(data.card), type: "INT32" as const, nullable: false },
    { name: "event_time", data: data.time, type: "DOUBLE" as const, nullable: false },
  ];
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, FILE), (temporary) =>
    parquetWrite({
      writer: fileWriter(temporary),
      columnData,
      rowGroupSize: ROW_GROUP,
      kvMetadata: [
        { key: META_CARDS, value: JSON.stringify(data.cards) },
        { key: META_ENCODER, value: JSON.stringify(data.encoder) },
        { key: META_FEATURES, value: JSON.stringify(FEATURES.map((f) => f.name)) },
        ...(data.source ? [{ key: META_SOURCE, value: JSON.stringify(data.source) }] : []),
      ],
      createdBy: "fraudstream",
    }));
  return (await Deno.stat(join(dir, FILE))).size;
}

/** Reads transformed data written by `writeTransformed`, one row group and column at a time. */
export async function readTransformed(dir: string): Promise<EncodedData> {
  const path = join(dir, FILE);
  let file, metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ModelFormatError(
      `${path} is not readable Parquet (${
        (error as Error).message
      }); delete it to encode the data again`,
    );
  }
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
    source: meta.has(META_SOURCE) ? JSON.parse(meta.get(META_SOURCE)!) : undefined,
  };
  const targets: [string, { [i: number]: number }][] = [
    ...FEATURES.map((feature, f) => [feature.name, data.features[f]] as [string, Float32Array]),
    ["is_fraud", data.label],
    ["card", data.card],
    ["event_time", data.time],
  ];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    for (const [name, target] of targets) {
      let filled = 0;
      await parquetRead({
        file,
        metadata,
        columns: [name],
        rowStart,
        rowEnd,
        onChunk: ({ columnName, columnData, rowStart: at }) => {
          if (columnName !== name) return;
          const values = columnData as ArrayLike<number>;
          for (let i = 0; i < values.length; i++) target[at + i] = Number(values[i]);
          filled += values.length;
        },
      });
      if (filled !== rowEnd - rowStart) {
        throw new ModelFormatError(
          `${path} lacks column '${name}' in rows ${rowStart}..${rowEnd}; delete it to encode the data again`,
        );
      }
    }
    rowStart = rowEnd;
  }
  return data;
}

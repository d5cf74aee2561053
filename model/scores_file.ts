/**
 * The per-row scores of an evaluation as a file another tool can read, so that any figure
 * `evaluate` prints can be checked: CSV or Parquet (by the file's extension), one row per scored
 * transaction in the order scored, with `trans_num`, `cc_num`, `label` (`is_fraud`) and `score`
 * (the fraud probability exactly as it was compared with the threshold: an alert is
 * `score >= threshold`).
 *
 * The CSV readers keep only what the model needs, so the ids are read in a second pass over the
 * same files, skipping the same lines (empty lines, the header, the rows reported as bad); every
 * row's label must match the label scored, or the files changed in between and nothing is
 * written.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileWriter, parquetWriteRows } from "hyparquet-writer";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { writeFileAtomic } from "../actors/lib/atomic_write.ts";
import { FraudstreamError } from "../actors/lib/errors.ts";
import { readFileStart } from "../actors/lib/file_start.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { COLUMNS, CSV_SEPARATOR, HEADER } from "./schema.ts";

/** One scored row as written. */
export interface ScoreRow {
  trans_num: string;
  cc_num: string;
  label: number;
  score: number;
}

/** What was scored: the files in the order read, the lines skipped, and a score per row. */
export interface ScoredFiles {
  files: string[];
  /** Lines the reader skipped as bad, as `lineKey(file, line)`. */
  skipped: ReadonlySet<string>;
  scores: Float32Array;
  labels: Uint8Array;
}

/** The scores file cannot be written; the message says why. */
export class ScoresFileError extends FraudstreamError {
  override name = "ScoresFileError";
}

/** Key of a line of a file in `ScoredFiles.skipped`. */
export function lineKey(file: string, line: number): string {
  return `${line}:${file}`;
}

/** The columns of a scores file, in order. */
export const SCORE_COLUMNS = ["trans_num", "cc_num", "label", "score"] as const;

const TRANS_NUM = COLUMNS.indexOf("trans_num");
const CC_NUM = COLUMNS.indexOf("cc_num");
const IS_FRAUD = COLUMNS.indexOf("is_fraud");
const PARQUET_ROW_GROUP = 100_000;

/** The scored rows with their ids, read again from the files. */
async function* scoredRows(scored: ScoredFiles): AsyncGenerator<ScoreRow> {
  const { files, skipped, scores, labels } = scored;
  const decoder = new TextDecoder();
  const changed = (why: string) =>
    new ScoresFileError(
      `the data changed while it was evaluated (${why}); nothing was written: run evaluate again`,
    );
  let row = 0;
  for (const file of files) {
    for await (const { buffer, starts, ends, firstLine } of readLineBlocks(file)) {
      for (let i = 0; i < starts.length; i++) {
        const line = firstLine + i;
        if (starts[i] === ends[i] || skipped.has(lineKey(file, line))) continue;
        const text = decoder.decode(buffer.subarray(starts[i], ends[i]));
        if (line === 1 && text === HEADER) continue;
        const fields = text.split(CSV_SEPARATOR);
        const label = fields[IS_FRAUD] === "1" ? 1 : 0;
        if (row >= scores.length || label !== labels[row]) {
          throw changed(`${file}:${line} is not the row that was scored`);
        }
        yield {
          trans_num: fields[TRANS_NUM],
          cc_num: fields[CC_NUM],
          label,
          score: scores[row++],
        };
      }
    }
  }
  if (row !== scores.length) throw changed(`${scores.length} rows were scored, ${row} are left`);
}

/** A CSV field, quoted when it has to be. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function writeCsv(path: string, rows: AsyncGenerator<ScoreRow>): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  try {
    let chunk = SCORE_COLUMNS.join(",") + "\n";
    for await (const row of rows) {
      // The score as the shortest text that reads back as the same number.
      chunk += `${csvField(row.trans_num)},${csvField(row.cc_num)},${row.label},${row.score}\n`;
      if (chunk.length >= 1 << 20) {
        await writer.write(encoder.encode(chunk));
        chunk = "";
      }
    }
    await writer.write(encoder.encode(chunk));
  } finally {
    await writer.close().catch(() => {});
  }
}

async function writeParquet(path: string, rows: AsyncGenerator<ScoreRow>): Promise<void> {
  await parquetWriteRows({
    writer: fileWriter(path),
    rows,
    columns: [
      { name: "trans_num", type: "STRING", nullable: false },
      { name: "cc_num", type: "STRING", nullable: false },
      { name: "label", type: "INT32", nullable: false },
      // Doubles: each holds its 32-bit score exactly, and compares with a threshold as scored.
      { name: "score", type: "DOUBLE", nullable: false },
    ],
    rowGroupSize: PARQUET_ROW_GROUP,
    createdBy: "fraudstream",
  });
}

/**
 * Checks, before any work, that a scores file can be written at `path`: its folder exists, and
 * what is at `path` already, if anything, is an empty file or a scores file (one written before,
 * replaced); any other file or a folder is left as it is.
 */
export async function checkScoresPath(path: string): Promise<void> {
  const folder = dirname(path);
  try {
    if (!(await Deno.stat(folder)).isDirectory) throw new Deno.errors.NotFound();
  } catch {
    throw new ScoresFileError(
      `cannot write the scores to '${path}': folder '${folder}' does not exist`,
    );
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new ScoresFileError(`cannot write the scores to '${path}': ${(error as Error).message}`);
  }
  if (!info.isFile) {
    throw new ScoresFileError(
      `cannot write the scores to '${path}': it is a folder; name a file in it instead`,
    );
  }
  if (info.size > 0 && !(await isScoresFile(path))) {
    throw new ScoresFileError(
      `'${path}' is not a scores file written by evaluate (its columns are not ` +
        `${SCORE_COLUMNS.join(", ")}), so it is left as it is; write the scores elsewhere`,
    );
  }
}

/** Whether `path` holds a scores file as `writeScoresFile` writes one (CSV or Parquet). */
async function isScoresFile(path: string): Promise<boolean> {
  try {
    if (path.toLowerCase().endsWith(".parquet")) {
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
      const names = metadata.schema.slice(1).map((element) => element.name);
      return metadata.created_by === "fraudstream" &&
        JSON.stringify(names) === JSON.stringify(SCORE_COLUMNS);
    }
    const header = SCORE_COLUMNS.join(",") + "\n";
    return new TextDecoder().decode(await readFileStart(path, header.length)) === header;
  } catch {
    return false;
  }
}

/**
 * Writes every scored row to `path` (Parquet for `.parquet`, else CSV), atomically: a reader
 * never sees half a file. Returns the number of rows written.
 */
export async function writeScoresFile(path: string, scored: ScoredFiles): Promise<number> {
  const rows = scoredRows(scored);
  const parquet = path.toLowerCase().endsWith(".parquet");
  try {
    await writeFileAtomic(
      path,
      (temporary) => parquet ? writeParquet(temporary, rows) : writeCsv(temporary, rows),
    );
  } catch (error) {
    if (error instanceof FraudstreamError) throw error;
    throw new ScoresFileError(
      `cannot write the scores to '${path}': ${(error as Error).message}`,
    );
  }
  return scored.scores.length;
}

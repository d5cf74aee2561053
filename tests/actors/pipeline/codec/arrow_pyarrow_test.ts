/**
 * Interoperability with pyarrow (Arrow C++): it reads our wire schema v2 messages, fully
 * validated, with the same values; streams it writes, in our types or in others, decode through
 * the general path. Needs `python3` with pyarrow (`.ci/run` installs it); without it the tests are
 * ignored, unless `CI=true`, where they must run.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_reader.ts";
import { wirePrefix } from "../../../../actors/pipeline/codec/arrow_wire_schema.ts";
import { encodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_writer.ts";
import { DecodeError } from "../../../../actors/pipeline/codec/transactions.ts";
import { transactionAt, transactionsToColumns } from "../../../../model/columns.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { VALID_ROWS } from "../../../fixtures/row_values.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";
import { commandRuns, outsideProgram } from "../../../fixtures/outside_program.ts";

const PYARROW = outsideProgram(
  await commandRuns("python3", ["-c", "import pyarrow"]),
  "no python3 with pyarrow",
);

const ROWS: Transaction[] = [
  ...VALID_ROWS.map(({ row }) => row),
  ...Array.from({ length: 40 }, (_, i) => ({
    ...sampleTransaction(i, 7),
    city: ["Zürich", "São Paulo", "東京", "Kraków 🚲", "Moravian Falls"][i % 5],
    category: (["travel", "home", "kids_pets", "misc_net"] as const)[i % 4],
    gender: i % 3 === 0 ? "M" as const : "F" as const,
    is_fraud: (i % 11 === 0 ? 1 : 0) as 0 | 1,
  })),
];

/** Runs a Python script with `args`; returns what it printed. */
async function python(script: string, ...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
  }).output();
  const text = new TextDecoder();
  assert.ok(success, `python3 failed: ${text.decode(stderr)}`);
  return text.decode(stdout);
}

/** Reads each stream file given, validated in full, and prints its rows as JSON, one a line. */
const READ = `
import json, sys
import pyarrow as pa
for path in sys.argv[1:]:
    table = pa.ipc.open_stream(open(path, "rb").read()).read_all()
    table.validate(full=True)
    assert table.schema.metadata[b"fraudstream.wire"] == b"2"
    for row in table.to_pylist():
        row["cc_num"] = str(row["cc_num"])
        for name in ("dob", "trans_date", "trans_time"):
            row[name] = row[name].isoformat()
        row["city_pop"] = int(row["city_pop"])
        row["unix_time"] = int(row["unix_time"])
        print(json.dumps(row, ensure_ascii=False))
`;

/** Writes the rows of a JSON file as stream files, in several ways, into a folder. */
const WRITE = `
import datetime as dt, json, sys
import pyarrow as pa
rows = json.load(open(sys.argv[1]))
out = sys.argv[2]
col = lambda name: [row[name] for row in rows]
day = lambda name: [dt.date.fromisoformat(v) for v in col(name)]
clock = [dt.time.fromisoformat(v) for v in col("trans_time")]
TEXT = ["ssn", "first", "last", "street", "city", "state", "zip", "job", "acct_num", "profile",
        "trans_num", "merchant"]
FLOAT = ["lat", "long", "city_pop", "unix_time", "amt", "merch_lat", "merch_long"]

def write(name, arrays, batch_rows=None):
    table = pa.table(arrays)
    with open(f"{out}/{name}.arrow", "wb") as sink:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=batch_rows)

def codes(name, index):
    return pa.array(col(name)).cast(pa.dictionary(index, pa.string()))

same = {name: pa.array(col(name), pa.string()) for name in TEXT}
same.update({name: pa.array(col(name), pa.float64()) for name in FLOAT})
same.update({
    "cc_num": pa.array([int(v) for v in col("cc_num")], pa.uint64()),
    "gender": codes("gender", pa.int8()),
    "category": codes("category", pa.int8()),
    "dob": pa.array(day("dob"), pa.date32()),
    "trans_date": pa.array(day("trans_date"), pa.date32()),
    "trans_time": pa.array(clock, pa.time32("s")),
    "is_fraud": pa.array(col("is_fraud"), pa.int8()),
})
write("same_types", same)

other = {"note": pa.array(["extra"] * len(rows))}
for name in reversed(TEXT):
    values = pa.array(col(name), pa.large_string())
    other[name] = values.dictionary_encode() if name in ("city", "state", "job") else values
other.update({
    "cc_num": pa.array([int(v) for v in col("cc_num")], pa.int64()),
    "gender": pa.array(col("gender")),
    "category": pa.array(col("category")).dictionary_encode().cast(
        pa.dictionary(pa.int16(), pa.large_string())),
    "dob": pa.array(day("dob"), pa.date64()),
    "trans_date": pa.array([dt.datetime.combine(d, dt.time()) for d in day("trans_date")],
                           pa.timestamp("ms")),
    "trans_time": pa.array(clock, pa.time64("us")),
    "unix_time": pa.array(col("unix_time"), pa.timestamp("s")),
    "city_pop": pa.array(col("city_pop"), pa.int64()),
    "is_fraud": pa.array([v == 1 for v in col("is_fraud")], pa.bool_()),
})
for name in ("lat", "long", "amt", "merch_lat", "merch_long"):
    other[name] = pa.array(col(name), pa.float64())
write("other_types", other, batch_rows=7)

text = {name: pa.array([str(v) for v in col(name)]) for name in
        TEXT + ["cc_num", "gender", "category", "dob", "trans_date", "trans_time"]}
text.update({name: pa.array(col(name), pa.float64()) for name in FLOAT + ["is_fraud"]})
write("text_dates", text)

write("nulls", {**same, "amt": pa.array([None] + col("amt")[1:], pa.float64())})
write("missing", {name: values for name, values in same.items() if name != "merchant"})
write("wrong_type", {**same, "amt": pa.array([str(v) for v in col("amt")])})
`;

async function withTempDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-pyarrow-" });
  try {
    await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: `pyarrow reads our messages, fully validated, with the same values${PYARROW.note}`,
  ignore: PYARROW.ignore,
  fn: () =>
    withTempDir(async (dir) => {
      const columns = transactionsToColumns(ROWS);
      const subset = Int32Array.from({ length: 20 }, (_, k) => (k * 13) % ROWS.length);
      const paths = [join(dir, "all.arrow"), join(dir, "subset.arrow")];
      await Deno.writeFile(paths[0], encodeArrowColumns(columns));
      await Deno.writeFile(paths[1], encodeArrowColumns(columns, subset));
      const printed = (await python(READ, ...paths)).trim().split("\n").map((line) =>
        JSON.parse(line)
      );
      assert.deepEqual(printed, [...ROWS, ...Array.from(subset, (i) => ROWS[i])]);
    }),
});

Deno.test({
  name: `streams pyarrow writes decode through the general path${PYARROW.note}`,
  ignore: PYARROW.ignore,
  fn: () =>
    withTempDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "rows.json"), JSON.stringify(ROWS));
      await python(WRITE, join(dir, "rows.json"), dir);
      const prefix = wirePrefix();
      for (const name of ["same_types", "other_types", "text_dates"]) {
        const body = await Deno.readFile(join(dir, `${name}.arrow`));
        assert.notDeepEqual(body.subarray(0, prefix.length), prefix, `${name}: not ours`);
        const columns = decodeArrowColumns(body);
        assert.equal(columns.length, ROWS.length, name);
        for (let i = 0; i < ROWS.length; i++) {
          assert.deepEqual(transactionAt(columns, i), ROWS[i], `${name}: row ${i}`);
        }
      }
      const refused: [string, RegExp][] = [
        ["nulls", /Arrow column 'amt' has nulls/],
        ["missing", /Arrow column 'merchant' is missing/],
        ["wrong_type", /Arrow column 'amt' has type Utf8/],
      ];
      for (const [name, reason] of refused) {
        const body = await Deno.readFile(join(dir, `${name}.arrow`));
        assert.throws(() => decodeArrowColumns(body), (error: unknown) => {
          assert.ok(error instanceof DecodeError, `${name}: ${error}`);
          assert.match(error.message, reason, name);
          return true;
        });
      }
    }),
});

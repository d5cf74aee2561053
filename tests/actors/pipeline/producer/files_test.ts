import assert from "node:assert/strict";
import { scanInputFolder } from "../../../../actors/pipeline/producer/files.ts";
import { FraudstreamError } from "../../../../actors/lib/errors.ts";
import { main } from "../../../../main.ts";
import { captureIO } from "../../../fixtures/main_run.ts";

Deno.test("an input folder that is missing, or a file, is refused with what to give instead", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/rows.csv`, "\n");
    for (
      const [input, reason] of [
        [`${dir}/none`, /does not exist; create it or point --input/],
        [`${dir}/rows.csv`, /is a file; --input takes the folder the CSV files arrive in/],
      ] as const
    ) {
      await assert.rejects(
        scanInputFolder(input),
        (error: unknown) => error instanceof FraudstreamError && reason.test(error.message),
      );
    }
    assert.deepEqual((await scanInputFolder(dir)).map((file) => file.name), ["rows.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("produce --input naming a file exits 2 at once, before looking for Kafka", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/rows.csv`, "\n");
    const err: string[] = [];
    const code = await main(
      ["produce", "--input", `${dir}/rows.csv`, "--brokers", "127.0.0.1:1", "--ui-port", "off"],
      captureIO([], err),
    );
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /--input '.*rows\.csv' is a file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

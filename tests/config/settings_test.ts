import assert from "node:assert/strict";

Deno.test("an empty XDG_STATE_HOME counts as unset: the local cluster's folder is under HOME, not /fraudstream", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const { SETTINGS } = await import(${
        JSON.stringify(new URL("../../config/settings.ts", import.meta.url).href)
      }); console.log(SETTINGS.kafkaDir.default);`,
    ],
    env: { XDG_STATE_HOME: "", HOME: "/home/someone" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(
    new TextDecoder().decode(output.stdout).trim(),
    "/home/someone/.local/state/fraudstream/kafka",
  );
});

import assert from "node:assert/strict";
import { startRoleDashboard } from "../../../../actors/observe/dashboard/role_dashboard.ts";
import { PortInUseError } from "../../../../actors/observe/dashboard/server.ts";
import type { RoleStatus } from "../../../../actors/observe/dashboard/status.ts";
import { main } from "../../../../main.ts";

const MODELS_DIR = new URL("../../../../resources/models", import.meta.url).pathname;

const status = (): RoleStatus => {
  throw new Error("not asked in this test");
};

/** Listens on `port` if it is free; undefined when something else has it already. */
function occupy(port: number): Deno.Listener | undefined {
  try {
    return Deno.listen({ hostname: "127.0.0.1", port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return undefined;
    throw error;
  }
}

Deno.test("a taken default port gives way to a free one, named in the status line", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const lines: string[] = [];
  const address = { host: "127.0.0.1", port, portChosen: false };
  try {
    const server = startRoleDashboard({
      ...address,
      role: "consume",
      status,
      onStatus: (line) => lines.push(line),
    });
    assert.ok(server);
    try {
      const url = new URL(server.url);
      assert.notEqual(Number(url.port), port);
      assert.deepEqual(lines, [
        `consume: dashboard at ${server.url} (port ${port}, the default, is in use; ` +
        "--ui-port chooses one)",
      ]);
      const page = await fetch(server.url);
      assert.equal(page.status, 200);
      await page.body?.cancel();
    } finally {
      await server.close();
    }
    assert.equal(
      startRoleDashboard({
        ...address,
        port: -1,
        role: "consume",
        status,
        onStatus: (line) => lines.push(line),
      }),
      undefined,
      "--ui-port off: no server",
    );
  } finally {
    taken.close();
  }
});

Deno.test("a port the user chose that is taken is an error naming it", () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () =>
        startRoleDashboard({
          host: "127.0.0.1",
          port,
          portChosen: true,
          role: "produce",
          status,
          onStatus: () => {},
        }),
      (error: unknown) =>
        error instanceof PortInUseError && error.exitCode === 1 &&
        error.message.includes(`port ${port} on 127.0.0.1 is in use`),
    );
  } finally {
    taken.close();
  }
});

Deno.test("`run` on its taken default port serves on a free one; on a taken --ui-port it exits 1 naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-ui-port-test-" });
  await Deno.writeTextFile(`${dir}/empty.env`, "");
  // 8088, run's default, may be taken by something else already: the outcome is the same.
  const held = occupy(8088);
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const otherPort = (other.addr as Deno.NetAddr).port;
  const run = async (flags: string[]) => {
    const output: string[] = [];
    const code = await main([
      "run",
      "--duration",
      "1",
      "--customers",
      "20",
      "--workers",
      "1",
      "--models-dir",
      MODELS_DIR,
      "--env-file",
      `${dir}/empty.env`,
      ...flags,
    ], { stdout: (line) => output.push(line), stderr: (line) => output.push(line) });
    return { code, output };
  };
  try {
    assert.equal(Deno.env.get("FRAUDSTREAM_UI_PORT"), undefined, "the test needs run's default");
    const fallback = await run([]);
    assert.equal(fallback.code, 0, fallback.output.join("\n"));
    const line = fallback.output.find((l) => l.startsWith("run: dashboard at "));
    assert.match(
      line ?? fallback.output.join("\n"),
      /^run: dashboard at http:\/\/127\.0\.0\.1:\d+\/ \(port 8088, the default, is in use; /,
    );

    const chosen = await run(["--ui-port", String(otherPort)]);
    assert.equal(chosen.code, 1, chosen.output.join("\n"));
    assert.ok(
      chosen.output.includes(
        `fraudstream: port ${otherPort} on 127.0.0.1 is in use; choose another with --ui-port ` +
          "(0 picks a free one)",
      ),
      chosen.output.join("\n"),
    );
  } finally {
    held?.close();
    other.close();
    await Deno.remove(dir, { recursive: true });
  }
});

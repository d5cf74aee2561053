/**
 * The Apache Kafka broker as jars from Maven Central, fetched once with `mvn` into a cache outside
 * the repository and reused after that.
 *
 * @module
 */

import { join } from "node:path";
import { FraudstreamError, throwIfInterrupted } from "../../lib/errors.ts";

/** Kafka version fraudstream starts; its transactions were checked with kafkajs 2.2.4. */
export const KAFKA_VERSION = "4.1.1";

/** SLF4J binding matching the slf4j-api 1.7 that this Kafka version uses. */
const SLF4J_SIMPLE = "1.7.36";

/** A tool the local cluster needs is missing. */
export class MissingToolError extends FraudstreamError {
  override name = "MissingToolError";
}

/** Default cache folder for the jars: `$XDG_CACHE_HOME/fraudstream/kafka` or `~/.cache/...`. */
export function defaultJarCache(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    join(Deno.env.get("HOME") ?? ".", ".cache");
  return join(base, "fraudstream", "kafka");
}

/** How each tool the local cluster needs is asked whether it runs, and how to install it. */
const TOOLS = {
  java: {
    args: ["-version"],
    hint: "install a JDK 17 or newer (e.g. apt install openjdk-17-jre-headless)",
  },
  mvn: {
    args: ["-version"],
    hint: "install Apache Maven (e.g. apt install maven) so the Kafka jars can be fetched",
  },
  bash: {
    args: ["-c", "true"],
    hint: "install bash (it starts each node with none of this command's open files)",
  },
};

/** Fails with a clear message when `java`, `mvn` or `bash` cannot be run. */
export async function requireTool(name: keyof typeof TOOLS): Promise<void> {
  try {
    const output = await new Deno.Command(name, {
      args: TOOLS[name].args,
      stdout: "null",
      stderr: "null",
    }).output();
    if (output.success) return;
  } catch {
    // not on the PATH
  }
  throw new MissingToolError(
    `'${name}' is needed to run a local Kafka cluster; ${TOOLS[name].hint}`,
  );
}

/**
 * Returns the folder holding the broker's classpath, fetching it through Maven the first time.
 * Concurrent callers share one download.
 *
 * @throws {FraudstreamError} when Maven cannot fetch the jars.
 * @throws {InterruptedError} when `options.signal` aborts before the jars are there.
 */
export async function ensureKafkaJars(
  options: {
    version?: string;
    cacheDir?: string;
    onLog?: (line: string) => void;
    /** Stops a fetch under way (Maven is stopped; the next call fetches again). */
    signal?: AbortSignal;
  } = {},
): Promise<string> {
  const version = options.version ?? KAFKA_VERSION;
  const root = join(options.cacheDir ?? defaultJarCache(), version);
  const lib = join(root, "lib");
  const marker = join(root, "complete");
  if (await exists(marker)) return lib;
  await requireTool("java");
  await requireTool("mvn");
  await Deno.mkdir(root, { recursive: true });
  const lock = await Deno.open(join(root, ".lock"), { create: true, write: true });
  try {
    await lock.lock(true);
    if (await exists(marker)) return lib;
    const stopped = `interrupted while fetching the Kafka ${version} jars; nothing was started`;
    throwIfInterrupted(options.signal, stopped);
    options.onLog?.(`fetching Kafka ${version} jars through Maven into ${root} (once)`);
    await Deno.writeTextFile(join(root, "pom.xml"), pom(version));
    const output = await new Deno.Command("mvn", {
      args: [
        "-q",
        "-B",
        "-f",
        join(root, "pom.xml"),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        `-DoutputDirectory=${lib}`,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: options.signal,
    }).output();
    throwIfInterrupted(options.signal, stopped);
    if (!output.success) {
      const detail = new TextDecoder().decode(output.stdout).trim().split("\n").slice(-3).join(" ");
      throw new FraudstreamError(
        `Maven could not fetch Kafka ${version} (${detail}); check that Maven Central is reachable`,
      );
    }
    await Deno.writeTextFile(marker, new Date().toISOString() + "\n");
    return lib;
  } finally {
    lock.close();
  }
}

function pom(version: string): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fraudstream.local</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${version}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>${SLF4J_SIMPLE}</version>
    </dependency>
  </dependencies>
</project>
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

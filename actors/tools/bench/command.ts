/**
 * `fraudstream bench <scenario>`: runs the benchmark cells, prints their tables (Markdown) on
 * stdout, and with `--report FILE.json` writes the JSON report and an HTML report with charts
 * next to it (`FILE.html`). Exits 1 when a cell lost or duplicated a transaction, or failed;
 * interrupted (Ctrl-C), it still prints and writes what the cells measured so far, then exits 130.
 *
 * @module
 */

import { dirname } from "node:path";
import type { CommandHandler } from "../../pipeline/command.ts";
import { FraudstreamError, InterruptedError, UsageError } from "../../lib/errors.ts";
import { kafkaTransport } from "../../pipeline/connect.ts";
import { benchReportHtml } from "./report_html.ts";
import { partitionGrid, workerGrid } from "./plan.ts";
import { runScaling } from "./scaling.ts";
import type { ScalingReport } from "./report.ts";
import type { BenchScenario } from "./scenarios.ts";
import { benchText } from "./tables.ts";
import { within } from "./within.ts";
import { writeFileAtomic } from "../../lib/atomic_write.ts";
import { readFileStart } from "../../lib/file_start.ts";

/** Longest wait for the Kafka connections to close at the end, in ms. */
const CLOSE_TIMEOUT_MS = 30_000;

/** Where the HTML report goes: next to the JSON report, `.html` for `.json`. */
export function htmlReportPath(reportPath: string): string {
  return `${reportPath.replace(/\.json$/i, "")}.html`;
}

/** The start of every HTML report the bench writes (`benchReportHtml`). */
const HTML_REPORT_MARK = "<title>fraudstream bench";

/**
 * Refuses, before the bench runs, an HTML report path that holds a file the bench did not write
 * (the JSON path is checked as every command's `--report`).
 *
 * @throws {UsageError} when something other than an empty file or an earlier report is there.
 */
async function checkHtmlReportPath(path: string): Promise<void> {
  const info = await Deno.stat(path).catch(() => undefined);
  if (info === undefined || (info.isFile && info.size === 0)) return;
  const head = info.isFile ? new TextDecoder().decode(await readFileStart(path, 1024)) : "";
  if (!head.includes(HTML_REPORT_MARK)) {
    throw new UsageError(
      `${path} is not a fraudstream bench report, so it is left as it is; name another --report ` +
        "(the HTML report goes beside it, .html for .json)",
    );
  }
}

/** What an interrupted bench left: the cells it measured, and where they are. */
function interruptedMessage(report: ScalingReport, reportPath: string | undefined): string {
  const cells = report.cells.length;
  if (cells === 0) return "bench was interrupted before its first cell was measured";
  const where = reportPath === undefined
    ? ""
    : `, and in ${reportPath} and ${htmlReportPath(reportPath)}`;
  const failed = report.ok ? "" : `; ${report.failed_cells} of them failed`;
  return `bench was interrupted; the ${cells} cell${cells === 1 ? "" : "s"} measured before it ` +
    `${cells === 1 ? "is" : "are"} printed above${where}${failed}`;
}

/**
 * Runs a bench scenario and reports it.
 *
 * @throws {InterruptedError} when interrupted, once what was measured is printed and written.
 */
export const benchCommand: CommandHandler = async (config, ctx) => {
  const scenario = config.args.scenario as BenchScenario;
  if (config.report !== undefined) await checkHtmlReportPath(htmlReportPath(config.report));
  const kafka = config.brokers
    ? await kafkaTransport(config, (line) => ctx.status(`bench: kafka: ${line}`))
    : undefined;
  if (config.report === undefined) {
    ctx.status("bench: pass --report FILE.json to get the JSON report and FILE.html with charts");
  }
  try {
    const report = await runScaling({
      scenario,
      rows: config.rows,
      partitions: partitionGrid(config.partitions),
      workers: workerGrid(config.workers),
      encoding: config.encoding,
      rate: config.rate,
      seed: config.seed,
      model: config.model,
      modelsDir: config.modelsDir,
      shadowModel: config.shadowModel,
      reasonCodes: config.reasonCodes,
      replicationFactor: config.replicationFactor,
      repeat: config.repeat,
      kafka,
      topicDeleter: kafka && { delete: (what) => kafka.deleteTopicsAndGroups(what) },
      kafkaSkipped: kafka ? undefined : "no --brokers given, so only the embedded log was " +
        "measured (start a cluster with 'fraudstream kafka up' and pass --brokers)",
      signal: ctx.signal,
      onStatus: ctx.status,
    });
    if (config.report !== undefined) {
      const path = htmlReportPath(config.report);
      try {
        await Deno.mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, benchReportHtml(report));
      } catch (error) {
        throw new FraudstreamError(
          `cannot write the HTML report to '${path}': ${(error as Error).message}`,
        );
      }
      report.html = path;
      ctx.status(`bench: HTML report in ${path}`);
    }
    for (const line of benchText(report).split("\n")) ctx.print(line);
    if (report.interrupted) {
      throw new InterruptedError(interruptedMessage(report, config.report), { report });
    }
    return { exitCode: report.ok ? 0 : 1, report };
  } finally {
    // Kafka clients of a cell whose actors did not stop may not close either: do not wait long.
    if (kafka) await within(kafka.close(), CLOSE_TIMEOUT_MS);
  }
};

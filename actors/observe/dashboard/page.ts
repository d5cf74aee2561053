/**
 * The dashboard page: one self-contained HTML document (no external assets, works offline) that
 * follows `/events` (Server-Sent Events) and draws throughput, lag, latency and alert charts, the
 * supervision tree and the latest alerts. A role that is not ready says why at the top: before its
 * actors start (while it waits for Kafka, say) that is all there is, and the tree says they have
 * not started.
 *
 * @module
 */

import { DRIFT_SCRIPT, DRIFT_SECTION } from "./drift_panel.ts";

const STYLE = `
:root { --bg:#0f1419; --panel:#182029; --text:#e6e6e6; --muted:#8a96a3; --in:#4fc3f7;
  --out:#81c784; --alert:#ef5350; --lag:#ffb74d; --lat:#ba68c8; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; gap:24px; align-items:baseline; padding:12px 20px; background:var(--panel); }
header h1 { font-size:18px; margin:0; }
header .meta { color:var(--muted); }
main { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap:14px; padding:14px; }
section { background:var(--panel); border-radius:8px; padding:12px 14px; min-width:0; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 8px; }
.figures { display:flex; gap:22px; flex-wrap:wrap; }
.figure b { display:block; font-size:22px; font-variant-numeric: tabular-nums; }
.figure span { color:var(--muted); font-size:12px; }
canvas { width:100%; height:160px; display:block; }
.legend { display:flex; gap:14px; font-size:12px; color:var(--muted); margin-top:4px; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; }
table { width:100%; border-collapse:collapse; font-size:12px; font-variant-numeric: tabular-nums; }
th, td { text-align:left; padding:3px 6px; border-bottom:1px solid #243040; white-space:nowrap; }
td.num { text-align:right; }
td.why { white-space:normal; min-width:18em; }
.state-running { color:var(--out); } .state-failed, .state-stopped { color:var(--alert); }
.state-starting, .state-backoff, .state-stopping { color:var(--lag); }
#tree { max-height:360px; overflow:auto; }
#alerts { max-height:360px; overflow:auto; }
.wide { grid-column: 1 / -1; }
/* The tables need more room than a chart: two grid columns once there are two. */
@media (min-width: 900px) { .double { grid-column: span 2; } }
#connection.down { color:var(--alert); }
#state.ready { color:var(--out); } #state.not-ready { color:var(--alert); }
#problems ul { margin:0; padding-left:18px; overflow-wrap:anywhere; }
`;

const SCRIPT = `
const history = { t: [], inRate: [], outRate: [], alertRate: [], p50: [], p99: [] };
const KEEP = 120;
let previous = null;
const fmt = (n) => n == null ? "-" : Math.round(n).toLocaleString("en-US");
// A latency from the status is a number of ms, or text such as "> 167772" past the range the
// server measures: charts draw it at that top, figures say "> 167,772".
const ms = (v) => typeof v === "number" ? v : Number(String(v).replace(/[^0-9.]/g, ""));
const msText = (v, digits) => typeof v !== "number" ? "> " + fmt(ms(v))
  : digits === undefined ? fmt(v) : v.toFixed(digits);

function push(series, value) { series.push(value); if (series.length > KEEP) series.shift(); }

function draw(canvas, lines, options = {}) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const all = lines.flatMap((l) => l.values).filter((v) => Number.isFinite(v));
  const max = Math.max(1, ...all) * 1.1;
  ctx.strokeStyle = "#243040"; ctx.fillStyle = "#8a96a3"; ctx.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = height - 16 - (i / 4) * (height - 26);
    ctx.beginPath(); ctx.moveTo(40, y); ctx.lineTo(width, y); ctx.stroke();
    ctx.fillText(fmt((max * i) / 4) + (options.unit || ""), 0, y + 4);
  }
  for (const line of lines) {
    ctx.strokeStyle = line.color; ctx.lineWidth = line.width || 2; ctx.beginPath();
    line.values.forEach((v, i) => {
      const x = 40 + (i / (KEEP - 1)) * (width - 44);
      const y = height - 16 - (Math.max(0, v) / max) * (height - 26);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

function drawBars(canvas, values, color) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const max = Math.max(1, ...values) * 1.1;
  const step = (width - 40) / Math.max(1, values.length);
  ctx.font = "11px system-ui";
  values.forEach((v, i) => {
    const h = (v / max) * (height - 30);
    ctx.fillStyle = color;
    ctx.fillRect(40 + i * step + 4, height - 16 - h, Math.max(2, step - 8), h);
    ctx.fillStyle = "#8a96a3";
    ctx.fillText("p" + i, 40 + i * step + 4, height - 2);
    ctx.fillText(fmt(v), 40 + i * step + 4, height - 20 - h);
  });
}

function rows(tree, depth = 0, out = []) {
  out.push({ node: tree, depth });
  for (const child of tree.children || []) rows(child, depth + 1, out);
  return out;
}

function render(status) {
  const now = status.now;
  const c = status.counters;
  const recent = status.recentLatencyMs && status.recentLatencyMs.count > 0 ? status.recentLatencyMs : null;
  if (previous) {
    const dt = (now - previous.now) / 1000;
    const rate = (key) => dt > 0 ? Math.max(0, ((c[key] ?? 0) - (previous.counters[key] ?? 0)) / dt) : 0;
    push(history.inRate, rate("produced"));
    push(history.outRate, rate("scored"));
    push(history.alertRate, rate("alerts"));
    // The recent window, not the whole run: a spike shows, and passes.
    push(history.p50, recent ? ms(recent.p50) : 0);
    push(history.p99, recent ? ms(recent.p99) : 0);
  }
  previous = status;
  document.getElementById("role").textContent = status.role;
  document.getElementById("transport").textContent = status.transport;
  document.getElementById("model").textContent = status.modelVersion || "-";
  document.getElementById("uptime").textContent = Math.round((now - status.startedAt) / 1000) + " s";
  renderReadiness(status);
  for (const key of ["generated", "produced", "scored", "alerts", "deadLetters"]) {
    const el = document.getElementById("c-" + key);
    if (el) el.textContent = fmt(c[key]);
  }
  document.getElementById("rate-in").textContent = fmt(history.inRate.at(-1));
  document.getElementById("rate-out").textContent = fmt(history.outRate.at(-1));
  document.getElementById("p50").textContent = recent ? msText(recent.p50, 1) : "-";
  document.getElementById("p99").textContent = recent ? msText(recent.p99, 1) : "-";
  if (status.recentLatencyMs) {
    for (const el of document.querySelectorAll(".window")) el.textContent = status.recentLatencyMs.windowS;
  }
  // "in" is drawn wider, under "out": when the consumers keep up the two lines coincide.
  draw(document.getElementById("throughput"), [
    { values: history.inRate, color: "#4fc3f7", width: 5 }, { values: history.outRate, color: "#81c784" }]);
  draw(document.getElementById("alerts-chart"), [{ values: history.alertRate, color: "#ef5350" }]);
  // p99 is drawn wider, under p50: when the latencies are all alike the two lines coincide.
  draw(document.getElementById("latency"), [
    { values: history.p99, color: "#ffb74d", width: 5 }, { values: history.p50, color: "#ba68c8" }], { unit: " ms" });
  const lag = status.lag.map((v) => v ?? 0);
  drawBars(document.getElementById("lag"), lag, "#ffb74d");
  // The latest figures of each chart, as text for screen readers (a canvas has none).
  const label = (id, text) => document.getElementById(id).setAttribute("aria-label", text);
  label("throughput", "in " + fmt(history.inRate.at(-1)) + "/s, out " + fmt(history.outRate.at(-1)) + "/s");
  label("alerts-chart", fmt(history.alertRate.at(-1)) + " alerts/s");
  label("latency", "p50 " + (recent ? msText(recent.p50) : "0") + " ms, p99 " +
    (recent ? msText(recent.p99) : "0") + " ms");
  label("lag", lag.map((v, i) => "p" + i + " " + fmt(v)).join(", "));
  const body = document.querySelector("#tree tbody");
  body.innerHTML = "";
  if (!status.tree) {
    const td = document.createElement("td");
    td.colSpan = 6;
    td.textContent = "the actors have not started yet";
    body.appendChild(document.createElement("tr")).appendChild(td);
  }
  for (const { node, depth } of status.tree ? rows(status.tree) : []) {
    const tr = document.createElement("tr");
    tr.dataset.path = node.path;
    const cells = [
      "\\u00a0".repeat(depth * 3) + node.id + (node.kind === "supervisor" ? " (" + node.strategy + ")" : node.kind === "worker" ? " [worker]" : ""),
      node.state, node.restarts, node.kind === "supervisor" ? "" : node.mailboxDepth + "/" + node.mailboxCapacity,
      node.processed, node.errors];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = String(value);
      if (i === 1) td.className = "state-" + node.state;
      if (i >= 2) td.className = "num";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const alerts = document.querySelector("#alerts tbody");
  alerts.innerHTML = "";
  for (const a of status.recentAlerts) {
    const tr = document.createElement("tr");
    const why = (a.reasons ?? []).map((r) => r.text + " (" + (r.contribution >= 0 ? "+" : "") + r.contribution.toFixed(3) + ")").join("; ");
    for (const value of [a.detected_at.slice(11, 19), a.cc_num, a.amt.toFixed(2), a.category, a.score.toFixed(3), a.event_time, why]) {
      const td = document.createElement("td"); td.textContent = value; tr.appendChild(td);
    }
    tr.lastChild.className = "why";
    alerts.appendChild(tr);
  }
  renderDrift(status);
  renderShadow(status.shadow);
}

// Ready or not, and why not (what the role waits for, actors that fail): hidden when ready.
function renderReadiness(status) {
  const state = document.getElementById("state");
  state.textContent = status.ready ? "ready" : "not ready";
  state.className = status.ready ? "ready" : "not-ready";
  const problems = status.problems || [];
  document.getElementById("problems").hidden = problems.length === 0;
  const list = document.getElementById("problem-list");
  list.innerHTML = "";
  for (const problem of problems) {
    list.appendChild(document.createElement("li")).textContent = problem;
  }
}

// The alerting model against the shadow model (--shadow-model): hidden without one.
function renderShadow(shadow) {
  document.getElementById("shadow").hidden = !shadow;
  if (!shadow) return;
  const pct = (v) => v == null ? "-" : (v * 100).toFixed(1) + "%";
  const body = document.querySelector("#shadow tbody");
  body.innerHTML = "";
  for (const [role, key] of [["alerting", "main"], ["shadow", "shadow"]]) {
    const all = shadow.current[key], recent = shadow.recent[key];
    const tr = document.createElement("tr");
    for (const value of [role, all.version, all.threshold.toFixed(3), fmt(all.alerts), pct(all.alertRate),
      pct(all.precision), pct(all.recall), pct(recent.alertRate), pct(recent.precision), pct(recent.recall)]) {
      const td = document.createElement("td"); td.textContent = value; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  for (const el of document.querySelectorAll(".shadow-window")) el.textContent = shadow.windowS;
  const c = shadow.current, r = shadow.recent;
  document.getElementById("shadow-agreement").textContent = "agreement " + pct(c.agreement) +
    " of " + fmt(c.rows) + " transactions (" + fmt(c.frauds) + " labelled fraud); last " +
    shadow.windowS + " s: " + pct(r.agreement) + " of " + fmt(r.rows);
}
${DRIFT_SCRIPT}
function connect() {
  const source = new EventSource("/events");
  const indicator = document.getElementById("connection");
  source.onopen = () => { indicator.textContent = "live"; indicator.className = ""; };
  source.onmessage = (event) => render(JSON.parse(event.data));
  source.onerror = () => { indicator.textContent = "disconnected"; indicator.className = "down"; };
}
connect();
`;

/** The whole dashboard document. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fraudstream</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>fraudstream <span id="role">-</span></h1>
  <span class="meta">transport <b id="transport">-</b></span>
  <span class="meta">model <b id="model">-</b></span>
  <span class="meta">up <b id="uptime">-</b></span>
  <span class="meta">state <b id="state">-</b></span>
  <span class="meta" id="connection">connecting</span>
</header>
<main>
  <section class="wide" id="problems" hidden>
    <h2>Not ready</h2>
    <ul id="problem-list"></ul>
  </section>
  <section class="wide">
    <h2>Totals</h2>
    <div class="figures">
      <div class="figure"><b id="c-generated">-</b><span>generated</span></div>
      <div class="figure"><b id="c-produced">-</b><span>produced</span></div>
      <div class="figure"><b id="c-scored">-</b><span>scored</span></div>
      <div class="figure"><b id="c-alerts">-</b><span>alerts</span></div>
      <div class="figure"><b id="c-deadLetters">-</b><span>dead letters</span></div>
      <div class="figure"><b id="rate-in">-</b><span>in /s</span></div>
      <div class="figure"><b id="rate-out">-</b><span>out /s</span></div>
      <div class="figure"><b id="p50">-</b><span>latency p50 ms, last <span class="window">10</span> s</span></div>
      <div class="figure"><b id="p99">-</b><span>latency p99 ms, last <span class="window">10</span> s</span></div>
    </div>
  </section>
  <section>
    <h2>Transactions per second</h2>
    <canvas id="throughput" role="img"></canvas>
    <div class="legend"><span><i style="background:#4fc3f7"></i>in (produced)</span><span><i style="background:#81c784"></i>out (scored)</span></div>
  </section>
  <section>
    <h2>Alerts per second</h2>
    <canvas id="alerts-chart" role="img"></canvas>
  </section>
  <section>
    <h2>Detection latency, last <span class="window">10</span> s</h2>
    <canvas id="latency" role="img"></canvas>
    <div class="legend"><span><i style="background:#ba68c8"></i>p50</span><span><i style="background:#ffb74d"></i>p99</span></div>
  </section>
  <section>
    <h2>Consumer lag per partition (records)</h2>
    <canvas id="lag" role="img"></canvas>
  </section>
  <section class="double">
    <h2>Supervision tree</h2>
    <div id="tree"><table><thead><tr><th>actor</th><th>state</th><th>restarts</th><th>mailbox</th><th>processed</th><th>errors</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section class="wide" id="shadow" hidden>
    <h2>Shadow model (scores every transaction, never alerts)</h2>
    <table><thead><tr><th>model</th><th>version</th><th>threshold</th><th>alerts</th><th>alert rate</th><th>precision</th><th>recall</th><th>alert rate, last <span class="shadow-window">60</span> s</th><th>precision, last <span class="shadow-window">60</span> s</th><th>recall, last <span class="shadow-window">60</span> s</th></tr></thead><tbody></tbody></table>
    <div class="legend" id="shadow-agreement"></div>
  </section>
  <section class="wide">
    <h2>Latest alerts</h2>
    <div id="alerts"><table><thead><tr><th>detected</th><th>card</th><th>amount</th><th>category</th><th>score</th><th>event time</th><th>why</th></tr></thead><tbody></tbody></table></div>
  </section>${DRIFT_SECTION}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

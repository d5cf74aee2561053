/**
 * The dashboard's drift panel: the population stability index of each model feature and of the
 * score over the consumer's live window, those in alarm first, as plain text in a table (from the
 * `drift` part of the status, `drift_status.ts`). Roles without a drift monitor hide it.
 *
 * @module
 */

/** The panel's markup, one section of the page's grid. */
export const DRIFT_SECTION = `
  <section class="wide" id="drift-panel" hidden>
    <h2>Drift (PSI against the model's reference)</h2>
    <p id="drift-summary"></p>
    <div id="drift" style="max-height:360px; overflow:auto"><table><thead><tr><th>feature</th><th>PSI</th><th>state</th></tr></thead><tbody></tbody></table></div>
  </section>`;

/** The panel's script: `renderDrift(status)`, called on each status. */
export const DRIFT_SCRIPT = `
function renderDrift(status) {
  const panel = document.getElementById("drift-panel");
  const drift = status.drift;
  panel.hidden = !drift;
  if (!drift) return;
  const summary = "model " + drift.modelVersion + ": " + drift.state +
    (drift.note ? " (" + drift.note + ")" : "") + "; window " + drift.windowHours + " h of event time, " +
    fmt(drift.windowRows) + " transactions binned (sample " + drift.sample + "); alarm over " + drift.threshold;
  document.getElementById("drift-summary").textContent = summary;
  const body = document.querySelector("#drift tbody");
  body.innerHTML = "";
  const subjects = [...drift.subjects].sort((a, b) => (b.alarm - a.alarm) || ((b.psi ?? -1) - (a.psi ?? -1)));
  for (const s of subjects) {
    const tr = document.createElement("tr");
    const cells = [s.name, s.psi === null ? "-" : s.psi.toFixed(3), s.alarm ? "ALARM" : "ok"];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = value;
      if (i === 1) td.className = "num";
      if (i === 2 && s.alarm) td.className = "state-failed";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
}
`;

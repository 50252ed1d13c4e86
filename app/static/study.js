// The scenario page: pick or edit stored scenarios, run a study against the base network, follow
// its progress, then compare: bar charts (inline SVG), the flow map and the downloads.

import { Problem, clearProblem, download, get, patch, post, showProblem } from "./api.js";
import { language, onSwitch, t } from "./i18n.js";
import { MODE_COLOURS, drawFlows, focus } from "./map.js";

const SVG = "http://www.w3.org/2000/svg";
const LABEL = 150; // width of the scenario names left of the bars
const EXAMPLE = [{ op: "enable", tags: ["pinglu_canal"] }];

const picker = document.getElementById("scenario-picker");
const editor = document.getElementById("scenario-form");
const runner = document.getElementById("study-form");
const problemBox = document.getElementById("study-problem");
const progress = document.getElementById("study-progress");
const progressText = document.getElementById("study-progress-text");
const results = document.getElementById("study-results");

let scenarios = [];
let study = null;
let flowScenario = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const number = (v, digits = 0) =>
  Number(v).toLocaleString(language() === "zh" ? "zh-CN" : "en", {
    maximumFractionDigits: digits,
  });

async function loadScenarios(selectId) {
  const page = await get("/v1/scenarios?limit=100");
  scenarios = page.items;
  picker.replaceChildren();
  const fresh = el("option", t("study.new"));
  fresh.value = "";
  fresh.dataset.i18n = "study.new";
  picker.append(fresh);
  for (const s of scenarios) {
    const option = el("option", `${s.name} (v${s.version})`);
    option.value = s.id;
    picker.append(option);
  }
  picker.value = selectId || "";
  fillEditor();
}

function fillEditor() {
  const chosen = scenarios.find((s) => s.id === picker.value);
  editor.elements.name.value = chosen ? chosen.name : "Pinglu Canal open";
  editor.elements.description.value = chosen?.description || "";
  editor.elements.ops.value = JSON.stringify(chosen ? chosen.ops : EXAMPLE, null, 2);
}

function readOps() {
  try {
    return JSON.parse(editor.elements.ops.value);
  } catch (err) {
    throw new Problem({ title: t("study.ops"), detail: err.message });
  }
}

function problem(err) {
  showProblem(problemBox, err);
}

editor.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearProblem(problemBox);
  try {
    const body = {
      name: editor.elements.name.value,
      description: editor.elements.description.value || null,
      ops: readOps(),
    };
    const saved = picker.value
      ? await patch(`/v1/scenarios/${picker.value}`, body)
      : await post("/v1/scenarios", body);
    await loadScenarios(saved.id);
    progressText.textContent = t("study.saved", { version: saved.version });
  } catch (err) {
    problem(err);
  }
});

picker.addEventListener("change", fillEditor);

runner.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearProblem(problemBox);
  results.replaceChildren();
  try {
    // a stored scenario runs at its current version; an unsaved one inline
    const other = picker.value || { name: editor.elements.name.value, ops: readOps() };
    const body = {
      name: `${editor.elements.name.value} vs base`,
      scenarios: ["base", other],
      value_of_time_cny_per_teu_hour: Number(runner.elements.vot.value),
      co2_price_cny_per_t: Number(runner.elements.co2price.value || 0),
      capacity: runner.elements.capacity.checked,
    };
    if (runner.elements.vot.value === "") delete body.value_of_time_cny_per_teu_hour;
    study = await post("/v1/studies", body);
    await follow(study.id);
  } catch (err) {
    problem(err);
  }
});

function showProgress() {
  progress.value = study.progress;
  const running = study.status === "running" && study.message ? ` · ${study.message}` : "";
  progressText.textContent = `${t(`study.status.${study.status}`)} · ${Math.round(100 * study.progress)} %${running}`;
}

async function follow(id) {
  runner.elements.run.disabled = true;
  try {
    for (;;) {
      study = await get(`/v1/studies/${id}`);
      showProgress();
      if (study.status === "succeeded") break;
      if (study.status === "failed") {
        showProblem(problemBox, new Error(t("study.failed", { error: study.error })));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  } finally {
    runner.elements.run.disabled = false;
  }
  flowScenario = study.result.scenarios.at(-1).label;
  render();
  await showFlows();
}

async function showFlows() {
  const assignment = study.result.assignment;
  const flows = await get(
    `${study.links.flows}?scenario=${encodeURIComponent(flowScenario)}&assignment=${assignment}`,
  );
  focus("study");
  drawFlows(flows);
}

function scenarioLabel(label) {
  return label === "base" ? t("study.base") : label;
}

/** One horizontal bar per scenario for a total. */
function barChart(title, rows) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", title));
  const width = 470;
  const bar = 18;
  const top = Math.max(...rows.map((r) => Math.abs(r.value)), 1);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${rows.length * (bar + 6)}`,
    width,
    height: rows.length * (bar + 6),
    role: "img",
  });
  rows.forEach((row, i) => {
    const y = i * (bar + 6);
    const w = ((width - LABEL - 70) * Math.abs(row.value)) / top;
    chart.append(
      svg("text", { x: 0, y: y + 13, class: "axis" }, scenarioLabel(row.label)),
      svg("rect", { x: LABEL, y, width: Math.max(w, 1), height: bar, fill: i ? "#d35400" : "#7f8c8d", class: "bar" }),
      svg("text", { x: LABEL + 4 + w, y: y + 13, class: "value" }, number(row.value, row.digits ?? 0)),
    );
  });
  box.append(chart);
  return box;
}

/** One stacked bar per scenario: the share of TEU-km by mode. */
function modalChart(outcomes) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", t("study.modal")));
  const width = 470;
  const bar = 18;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${outcomes.length * (bar + 6) + 22}`,
    width,
    height: outcomes.length * (bar + 6) + 22,
    role: "img",
  });
  const modes = Object.keys(MODE_COLOURS);
  outcomes.forEach(({ label, outcome }, i) => {
    const y = i * (bar + 6);
    chart.append(svg("text", { x: 0, y: y + 13, class: "axis" }, scenarioLabel(label)));
    let x = LABEL;
    for (const mode of modes) {
      const share = outcome.modal_split[mode]?.share || 0;
      const w = (width - LABEL - 5) * share;
      if (w <= 0) continue;
      const rect = svg("rect", { x, y, width: w, height: bar, fill: MODE_COLOURS[mode], class: "bar" });
      rect.append(svg("title", {}, `${t(`mode.${mode}`)} ${(100 * share).toFixed(1)} %`));
      chart.append(rect);
      x += w;
    }
  });
  let x = 0;
  const y = outcomes.length * (bar + 6) + 14;
  for (const mode of modes) {
    if (!outcomes.some(({ outcome }) => outcome.modal_split[mode])) continue;
    chart.append(svg("rect", { x, y: y - 9, width: 10, height: 10, fill: MODE_COLOURS[mode] }));
    chart.append(svg("text", { x: x + 13, y, class: "axis" }, t(`mode.${mode}`)));
    x += 60;
  }
  box.append(chart);
  return box;
}

/** Diverging bars: the TEU each gateway wins or loses against the reference. */
function shiftChart(shifts) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", t("study.gateways")));
  const rows = shifts.filter((s) => s.change_teu !== 0).slice(0, 8);
  const width = 470;
  const bar = 16;
  const mid = 300;
  const top = Math.max(1, ...rows.map((r) => Math.abs(r.change_teu)));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${Math.max(rows.length, 1) * (bar + 4)}`,
    width,
    height: Math.max(rows.length, 1) * (bar + 4),
    role: "img",
  });
  rows.forEach((row, i) => {
    const y = i * (bar + 4);
    const w = (90 * Math.abs(row.change_teu)) / top;
    const x = row.change_teu < 0 ? mid - w : mid;
    chart.append(
      svg("text", { x: 0, y: y + 12, class: "axis" }, row.location),
      svg("rect", { x, y, width: Math.max(w, 1), height: bar, fill: row.change_teu < 0 ? "#c0392b" : "#138d75", class: "bar" }),
      svg("text", { x: row.change_teu < 0 ? mid + 4 : mid + w + 4, y: y + 12, class: "value" }, (row.change_teu > 0 ? "+" : "") + number(row.change_teu)),
    );
  });
  box.append(chart);
  return box;
}

function render() {
  results.replaceChildren();
  if (!study?.result) return;
  const result = study.result;
  const assignment = result.assignment;
  const outcomes = result.scenarios.map((s) => ({ label: s.label, outcome: s.outcomes[assignment] }));
  results.append(el("h3", `${t("study.comparison")}: ${study.name}`));
  const charts = el("div", undefined, "charts");
  const total = (key, digits) =>
    outcomes.map(({ label, outcome }) => ({ label, value: outcome.totals[key], digits }));
  charts.append(
    barChart(t("study.cost"), total("mean_cost_cny_per_teu")),
    barChart(t("study.transit"), total("mean_transit_hours", 1)),
    barChart(t("study.co2e"), total("co2e_kg_per_teu")),
    barChart(t("study.served"), total("served_teu")),
    modalChart(outcomes),
  );
  const comparison = result.comparisons.at(-1);
  if (comparison) charts.append(shiftChart(comparison.gateway_shift));
  results.append(charts);

  const flows = el("div", undefined, "flows");
  flows.append(el("span", t("study.flows")));
  const choose = el("select");
  choose.name = "flow-scenario";
  for (const { label } of outcomes) {
    const option = el("option", scenarioLabel(label));
    option.value = label;
    choose.append(option);
  }
  choose.value = flowScenario;
  choose.addEventListener("change", () => {
    flowScenario = choose.value;
    showFlows().catch((err) => showProblem(problemBox, err));
  });
  flows.append(choose);
  results.append(flows);

  const downloads = el("div", undefined, "downloads");
  downloads.append(el("h4", t("study.downloads")));
  const links = Object.entries(study.links).filter(([name]) => name !== "self");
  for (const [name, path] of links) {
    const file = name === "flows" ? "flows.geojson" : name === "report" ? "report.html" : `${name.slice(4)}.csv`;
    const text = name === "flows" ? t("study.flowsfile") : name === "report" ? t("study.report") : file;
    const link = el("a", text);
    link.href = "#";
    link.dataset.download = name;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      download(path, `${study.id}-${file}`).catch((err) => showProblem(problemBox, err));
    });
    downloads.append(link);
  }
  results.append(downloads);
}

onSwitch(() => {
  if (study) showProgress();
  render();
  const fresh = picker.querySelector('option[value=""]');
  if (fresh) fresh.textContent = t("study.new");
});

/** The stored scenarios of the key's organisation (again after the key changes). */
export async function loadStudies() {
  clearProblem(problemBox);
  try {
    await loadScenarios();
  } catch (err) {
    problem(err); // a key without scenarios:read still has the map and quotes
  }
}

// Studies: run the scenario the builder (scenario.js) holds against the base, follow it, then
// compare: the delta table, charts of values and differences, the difference flow map, the
// report; past studies are listed and reopened, and the address keeps the open one.

import { Problem, call, clearProblem, download, get, post, showProblem } from "./api.js";
import { el, field, svg } from "./dom.js";
import { dateText, language, onSwitch, t } from "./i18n.js";
import { MODE_COLOURS, drawDifference, drawFlows, focus, placeName } from "./map.js";
import { loadScenarios, reportTo, scenarioToRun } from "./scenario.js";

const WIDTH = 470; // of a chart
const LABEL = 130; // width of the scenario names left of the bars
const BARS = 120; // the longest value bar
const DIFF = [400, 465]; // where the difference bars go: zero in the middle
// the totals the table and charts compare, with their digits
const MEASURES = [
  ["mean_cost_cny_per_teu", "study.cost", 0],
  ["mean_transit_hours", "study.transit", 1],
  ["co2e_kg_per_teu", "study.co2e", 0],
  ["served_teu", "study.served", 0],
  ["unserved_teu", "study.unserved", 0],
];
// the API's names of the study's fields, and the labels the form shows for them
const FIELDS = {
  "body.value_of_time_cny_per_teu_hour": "study.vot",
  "body.co2_price_cny_per_t": "study.co2price",
  "body.capacity": "study.capacity",
  "body.name": "study.name",
  "body.description": "study.description",
  "body.ops": "study.ops",
  "body.scenario": "study.ops",
  "body.scenarios": "study.ops",
};

const runner = document.getElementById("study-form");
const problemBox = document.getElementById("study-problem");
const progress = document.getElementById("study-progress");
const progressText = document.getElementById("study-progress-text");
const results = document.getElementById("study-results");
const pastList = document.getElementById("study-list");

let study = null;
let flowView = "difference";
let following = 0; // the latest follow(); an older one stops when a newer starts

const locale = () => (language() === "zh" ? "zh-CN" : "en-GB");

const number = (v, digits = 0) => Number(v).toLocaleString(locale(), { maximumFractionDigits: digits });

const signed = (v, digits = 0) => (v > 0 ? "+" : v < 0 ? "−" : "±") + number(Math.abs(v), digits);

/** ``change`` as a percentage of ``reference``; null where the reference is zero. */
const percent = (change, reference) => (reference ? (100 * change) / reference : null);

const percentText = (p) => (p === null ? "—" : `${signed(p, Math.abs(p) < 10 ? 1 : 0)} %`);

// ------------------------------------------------------------------------- problems

/** A rule the API states in English, in the current language's plain words; null for a rule
 * without words here. */
function plainRule(message) {
  const bound = /(less|greater) than or equal to ([\d.e+]+)/.exec(message);
  if (bound) return t(bound[1] === "less" ? "study.rule.max" : "study.rule.min", { n: number(bound[2]) });
  if (/valid number/.test(message)) return t("study.rule.number");
  if (/Field required/.test(message)) return t("study.rule.required");
  return null;
}

/** Show ``err`` with each field named by the label the form gives it. */
function problem(err) {
  if (!(err instanceof Problem) || !err.body.errors) {
    showProblem(problemBox, err);
    return;
  }
  const fields = [];
  const errors = err.body.errors.map((e) => {
    fields.push(e.field);
    const known = Object.keys(FIELDS).find((name) => e.field === name || e.field?.startsWith(`${name}.`));
    const operation = /^op #(\d+)$/.exec(e.item || "");
    const rule = e.inWords ? null : plainRule(e.message);
    return {
      field: known ? t(FIELDS[known]) : e.field,
      item: operation ? t("study.op", { n: operation[1] }) : e.item,
      message: rule ?? e.message,
      inWords: Boolean(e.inWords || rule),
    };
  });
  const title = err.body.status === 422 ? t("study.refused") : err.body.title;
  showProblem(problemBox, new Problem({ ...err.body, title, errors }));
  problemBox.dataset.fields = fields.filter(Boolean).join(" ");
}

function clearProblems() {
  clearProblem(problemBox);
  delete problemBox.dataset.fields;
}

reportTo({
  saved: (version) => {
    progress.value = 0;
    progressText.textContent = t("study.saved", { version });
  },
  problem: (err) => {
    clearProblems();
    problem(err);
  },
  edited: clearProblems,
});

// ------------------------------------------------------------------------- running

runner.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearProblems();
  try {
    const { name, scenario } = scenarioToRun();
    const body = {
      name: t("study.versus", { name }),
      scenarios: ["base", scenario],
      value_of_time_cny_per_teu_hour: Number(runner.elements.vot.value),
      co2_price_cny_per_t: Number(runner.elements.co2price.value || 0),
      capacity: runner.elements.capacity.checked,
    };
    if (runner.elements.vot.value === "") delete body.value_of_time_cny_per_teu_hour;
    resetProgress();
    progressText.textContent = t("study.solving");
    const started = await post("/v1/studies", body);
    await open(started.id);
    await listPast();
  } catch (err) {
    progressText.textContent = "";
    problem(err);
  }
});

function resetProgress() {
  study = null;
  progress.value = 0;
  progressText.textContent = "";
  results.replaceChildren();
}

// the steps a running study reports, in the current language
const STEPS = [
  [/^(.+): building the study network$/, (m) => t("study.step.build", { scenario: scenarioLabel(m[1]) })],
  [/^(.+): solving (\d+) pairs on (\d+) rides$/, (m) => t("study.step.solve", { scenario: scenarioLabel(m[1]), pairs: m[2], rides: m[3] })],
  [/^comparing scenarios$/, () => t("study.step.compare")],
];

function step(message) {
  for (const [pattern, words] of STEPS) {
    const found = pattern.exec(message);
    if (found) return words(found);
  }
  return message;
}

function showProgress() {
  progress.value = study.progress;
  const running = study.status === "running" && study.message ? ` · ${step(study.message)}` : "";
  progressText.textContent = `${t(`study.status.${study.status}`)} · ${Math.round(100 * study.progress)} %${running}`;
}

/** The study named in the address (#study=<id>), which a reload reopens. */
export function studyInAddress() {
  return /(?:^#|&)study=([\w-]+)/.exec(location.hash)?.[1] || null;
}

/** Open study ``id``: follow it until it ends, then show its results. */
async function open(id) {
  const mine = ++following;
  resetProgress();
  history.replaceState(null, "", `#study=${id}`);
  markPast();
  runner.elements.run.disabled = true;
  try {
    for (;;) {
      const now = await get(`/v1/studies/${id}`);
      if (mine !== following) return;
      study = now;
      showProgress();
      if (study.status === "succeeded") break;
      if (study.status === "failed") {
        showProblem(problemBox, new Error(t("study.failed", { error: study.error })));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  } finally {
    if (mine === following) runner.elements.run.disabled = false;
  }
  flowView = "difference";
  render();
  await showFlows();
}

async function flowsOf(label) {
  const assignment = study.result.assignment;
  return get(`${study.links.flows}?scenario=${encodeURIComponent(label)}&assignment=${assignment}`);
}

async function showFlows() {
  const labels = study.result.scenarios.map((s) => s.label);
  focus("study");
  if (flowView === "difference" && labels.length > 1) {
    const [reference, scenario] = await Promise.all([flowsOf(labels[0]), flowsOf(labels.at(-1))]);
    drawDifference(reference, scenario);
  } else {
    drawFlows(await flowsOf(flowView === "difference" ? labels[0] : flowView));
  }
}

// ------------------------------------------------------------------------- results

function scenarioLabel(label) {
  return label === "base" ? t("study.base") : label;
}

/** Each scenario's total: a bar, its value, and against the reference its change and a bar of
 * the change in %, on a scale ``scale`` % shared by the charts, so that 1,649 against 1,640 reads
 * as +9 (+0.5 %) rather than as two equal bars. */
function barChart(title, rows, scale) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", title));
  const bar = 18;
  const height = rows.length * (bar + 6) + 14;
  const top = Math.max(...rows.map((r) => Math.abs(r.value)), 1);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: "img" });
  chart.append(svg("title", {}, title));
  const mid = (DIFF[0] + DIFF[1]) / 2;
  chart.append(
    svg("text", { x: mid, y: 10, "text-anchor": "middle", class: "axis" }, t("study.diffaxis")),
    svg("line", { x1: mid, x2: mid, y1: 14, y2: height, class: "zero" }),
  );
  const reference = rows[0].value;
  rows.forEach((row, i) => {
    const y = 14 + i * (bar + 6);
    const w = (BARS * Math.abs(row.value)) / top;
    const change = row.value - reference;
    const p = percent(change, reference);
    const text = i
      ? `${number(row.value, row.digits)} (${signed(change, row.digits)} · ${percentText(p)})`
      : number(row.value, row.digits);
    chart.append(
      svg("text", { x: 0, y: y + 13, class: "axis" }, scenarioLabel(row.label)),
      svg("rect", { x: LABEL, y, width: Math.max(w, 1), height: bar, class: i ? "bar scenario" : "bar reference" }),
      svg("text", { x: LABEL + 4 + w, y: y + 13, class: "value" }, text),
    );
    if (i && p !== null) {
      const dw = Math.min(1, Math.abs(p) / scale) * (DIFF[1] - mid);
      chart.append(
        svg("rect", { x: p < 0 ? mid - dw : mid, y: y + 3, width: Math.max(dw, 1), height: bar - 6, class: p < 0 ? "diff less" : "diff more" }),
      );
      chart.append(svg("title", {}, `${scenarioLabel(row.label)}: ${percentText(p)}`));
    }
  });
  box.append(chart);
  return box;
}

/** One stacked bar per scenario: the share of TEU-km by mode. */
function modalChart(outcomes) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", t("study.modal")));
  const bar = 18;
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${outcomes.length * (bar + 6) + 22}`,
    width: WIDTH,
    height: outcomes.length * (bar + 6) + 22,
    role: "img",
  });
  chart.append(svg("title", {}, t("study.modal")));
  const modes = Object.keys(MODE_COLOURS);
  outcomes.forEach(({ label, outcome }, i) => {
    const y = i * (bar + 6);
    chart.append(svg("text", { x: 0, y: y + 13, class: "axis" }, scenarioLabel(label)));
    let x = LABEL;
    for (const mode of modes) {
      const share = outcome.modal_split[mode]?.share || 0;
      const w = (WIDTH - LABEL - 5) * share;
      if (w <= 0) continue;
      const rect = svg("rect", { x, y, width: w, height: bar, fill: MODE_COLOURS[mode], class: "bar" });
      rect.append(svg("title", {}, `${t(`mode.${mode}`)} ${number(100 * share, 1)} %`));
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

// the study's name for the boxes that reach their destination without a sea leg
const OVERLAND = "no sea leg";

const gatewayName = (id) => (id === OVERLAND ? t("study.overland") : placeName(id));

/** Diverging bars: the TEU each gateway wins or loses against the reference, by name. */
function shiftChart(shifts) {
  const box = el("figure", undefined, "chart");
  box.append(el("figcaption", t("study.gateways")));
  const rows = shifts.filter((s) => s.change_teu !== 0).slice(0, 8);
  const bar = 16;
  const mid = 300;
  const top = Math.max(1, ...rows.map((r) => Math.abs(r.change_teu)));
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${Math.max(rows.length, 1) * (bar + 4)}`,
    width: WIDTH,
    height: Math.max(rows.length, 1) * (bar + 4),
    role: "img",
  });
  chart.append(svg("title", {}, t("study.gateways")));
  rows.forEach((row, i) => {
    const y = i * (bar + 4);
    const w = (90 * Math.abs(row.change_teu)) / top;
    const x = row.change_teu < 0 ? mid - w : mid;
    chart.append(
      svg("text", { x: 0, y: y + 12, class: "axis gateway" }, gatewayName(row.location)),
      svg("rect", { x, y, width: Math.max(w, 1), height: bar, class: row.change_teu < 0 ? "bar diff less" : "bar diff more" }),
      svg("text", { x: row.change_teu < 0 ? mid + 4 : mid + w + 4, y: y + 12, class: "value" }, signed(row.change_teu)),
    );
  });
  box.append(chart);
  return box;
}

/** Each scenario against the reference: the value, the change and the change in %. */
function deltaTable(outcomes) {
  const [reference, ...others] = outcomes;
  const table = el("table", undefined, "delta");
  table.append(el("caption", t("study.delta")));
  const head = el("tr");
  head.append(el("th", t("study.measure")), el("th", scenarioLabel(reference.label)));
  for (const { label } of others) {
    head.append(el("th", scenarioLabel(label)), el("th", t("study.change")), el("th", t("study.changepct")));
  }
  for (const cell of head.children) cell.scope = "col";
  table.append(head);
  for (const [key, labelKey, digits] of MEASURES) {
    const tr = el("tr");
    tr.dataset.measure = key;
    const name = el("th", t(labelKey));
    name.scope = "row";
    const base = reference.outcome.totals[key];
    tr.append(name, el("td", number(base, digits), "num"));
    for (const { outcome } of others) {
      const value = outcome.totals[key];
      tr.append(
        el("td", number(value, digits), "num"),
        el("td", signed(value - base, digits), "num"),
        el("td", percentText(percent(value - base, base)), "num pct"),
      );
    }
    table.append(tr);
  }
  // unserved demand as a share of demand: the figure a planner asks first
  const share = el("tr", undefined, "share");
  const name = el("th", t("study.unservedshare"));
  name.scope = "row";
  const shareOf = ({ outcome }) => percent(outcome.totals.unserved_teu, outcome.totals.demand_teu) ?? 0;
  share.append(name, el("td", `${number(shareOf(reference), 1)} %`, "num"));
  for (const other of others) {
    const points = shareOf(other) - shareOf(reference);
    share.append(el("td", `${number(shareOf(other), 1)} %`, "num"), el("td", `${signed(points, 1)} ${t("study.points")}`, "num"), el("td", ""));
  }
  table.append(share);
  return table;
}

function render() {
  results.replaceChildren();
  if (!study?.result) return;
  const result = study.result;
  const assignment = result.assignment;
  const outcomes = result.scenarios.map((s) => ({ label: s.label, outcome: s.outcomes[assignment] }));
  results.append(el("h3", `${t("study.comparison")}: ${study.name}`));
  results.append(deltaTable(outcomes));
  const charts = el("div", undefined, "charts");
  const total = (key, digits) => outcomes.map(({ label, outcome }) => ({ label, value: outcome.totals[key], digits }));
  // one scale for the differences of all four charts, so their bars compare
  const changes = MEASURES.slice(0, 4).flatMap(([key]) => {
    const base = outcomes[0].outcome.totals[key];
    return outcomes.slice(1).map(({ outcome }) => Math.abs(percent(outcome.totals[key] - base, base) ?? 0));
  });
  const scale = Math.max(1, ...changes);
  charts.append(
    ...MEASURES.slice(0, 4).map(([key, labelKey, digits]) => barChart(t(labelKey), total(key, digits), scale)),
    modalChart(outcomes),
  );
  const comparison = result.comparisons.at(-1);
  if (comparison) charts.append(shiftChart(comparison.gateway_shift));
  results.append(charts);

  const flows = el("div", undefined, "flows");
  const choose = el("select");
  choose.name = "flow-scenario";
  if (outcomes.length > 1) {
    const option = el("option", t("study.flows.difference", { scenario: scenarioLabel(outcomes.at(-1).label) }));
    option.value = "difference";
    choose.append(option);
  }
  for (const { label } of outcomes) {
    const option = el("option", scenarioLabel(label));
    option.value = label;
    choose.append(option);
  }
  choose.value = flowView;
  const legend = el("p", undefined, "muted flow-legend");
  const explain = () => {
    legend.replaceChildren(t("study.flows"));
    if (flowView !== "difference") return;
    legend.replaceChildren(
      el("i", undefined, "swatch grows"),
      t("study.flows.grows"),
      " ",
      el("i", undefined, "swatch shrinks"),
      t("study.flows.shrinks"),
      ` · ${t("study.flows.width")}`,
    );
  };
  explain();
  choose.addEventListener("change", () => {
    flowView = choose.value;
    explain();
    showFlows().catch((err) => problem(err));
  });
  flows.append(field("study.flows.show", choose), legend);
  results.append(flows);

  const downloads = el("div", undefined, "downloads");
  downloads.append(el("h4", t("study.downloads")));
  const report = el("button", t("study.report"));
  report.type = "button";
  report.dataset.open = "report";
  report.addEventListener("click", () => openReport().catch((err) => problem(err)));
  downloads.append(report);
  const links = Object.entries(study.links).filter(([name]) => name !== "self" && name !== "report");
  for (const [name, path] of links) {
    const file = name === "flows" ? "flows.geojson" : `${name.slice(4)}.csv`;
    const link = el("a", name === "flows" ? t("study.flowsfile") : file);
    link.href = "#";
    link.dataset.download = name;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      download(path, `${study.id}-${file}`).catch((err) => problem(err));
    });
    downloads.append(link);
  }
  results.append(downloads);
}

/** The report in a new tab: the tab opens at the click (no popup blocker), the page follows.
 * It is in the console's language, asked for by name (?lang=): the console's choice, not the
 * browser's Accept-Language, is the language the planner reads the page in. */
async function openReport() {
  const tab = window.open("", "_blank");
  if (!tab) throw new Problem({ title: t("study.popup") });
  const response = await call("GET", `${study.links.report}?lang=${language()}`, { raw: true });
  const page = new Blob([await response.text()], { type: "text/html" });
  tab.location.href = URL.createObjectURL(page);
}

// ------------------------------------------------------------------------- past studies

let past = [];

async function listPast() {
  past = (await get("/v1/studies?limit=10")).items;
  renderPast();
}

function renderPast() {
  pastList.replaceChildren();
  if (!past.length) pastList.append(el("li", t("study.past.none"), "muted"));
  for (const item of past) {
    const row = el("li");
    const button = el("button", item.name);
    button.type = "button";
    button.dataset.study = item.id;
    button.addEventListener("click", () => open(item.id).catch((err) => problem(err)));
    row.append(button, el("span", ` ${t(`study.status.${item.status}`)} · ${dateText(item.created_at)}`, "muted"));
    pastList.append(row);
  }
  markPast();
}

function markPast() {
  const current = studyInAddress();
  for (const button of pastList.querySelectorAll("button")) {
    if (button.dataset.study === current) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

// a study's address pasted into an open console opens it too
window.addEventListener("hashchange", () => {
  const id = studyInAddress();
  if (id && id !== study?.id) open(id).catch((err) => problem(err));
});

onSwitch(() => {
  if (study) showProgress();
  render();
  renderPast();
});

/** The organisation's scenarios and studies (again after the key changes); the study in the
 * address reopens. */
export async function loadStudies() {
  clearProblems();
  try {
    if (!document.getElementById("study-workspace").hidden) await loadScenarios();
    await listPast();
    const id = studyInAddress();
    if (id) await open(id);
  } catch (err) {
    problem(err); // a key without scenarios:read still has the map and quotes
  }
}

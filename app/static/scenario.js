// The scenario builder: stored scenarios to pick, planned projects switched on from a date,
// dated changes (close, take out, open, tariff, timetable, capacity) as forms, and the same
// operations as JSON for those who want them, its mistakes shown where they are.

import { Problem, clearProblem, get, patch, post } from "./api.js";
import { el, field } from "./dom.js";
import { onSwitch, t } from "./i18n.js";
import { placeList, plannedTags, serviceList } from "./map.js";

const DEFAULT_OPS = [{ op: "enable", tags: ["pinglu_canal"] }];
const CHINA = "+08:00"; // a close's dates are days in the corridor's time

const picker = document.getElementById("scenario-picker");
const editor = document.getElementById("scenario-form");
const projects = document.getElementById("scenario-projects");
const changes = document.getElementById("scenario-changes");
const changeKind = document.getElementById("change-kind");
const opsError = document.getElementById("ops-error");

let scenarios = [];
let ops = structuredClone(DEFAULT_OPS);
// where the builder reports: the study view's progress line and problem box
let report = { saved: () => {}, problem: () => {}, edited: () => {} };

const isProject = (op) => op.op === "enable" && !op.ids && op.tags?.length === 1 && plannedTags().includes(op.tags[0]);

function dateInput(value, onChange) {
  const input = el("input");
  input.type = "date";
  input.value = value ? value.slice(0, 10) : "";
  input.addEventListener("change", () => onChange(input.value));
  return input;
}

/** A choice of services and locations (or only services) by name. */
function targetSelect(value, onChange, servicesOnly = false) {
  const select = el("select");
  const none = el("option", t("study.change.choose"));
  none.value = "";
  select.append(none);
  const groups = [["study.change.services", serviceList()]];
  if (!servicesOnly) groups.push(["study.change.places", placeList()]);
  for (const [labelKey, items] of groups) {
    const group = el("optgroup");
    group.label = t(labelKey);
    for (const item of items) {
      const option = el("option", item.name);
      option.value = item.id;
      group.append(option);
    }
    select.append(group);
  }
  select.value = value || "";
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

function percentInput(factor, onChange) {
  const input = el("input");
  input.type = "number";
  input.step = "any";
  input.min = "-99";
  input.value = factor ? String(Math.round((factor - 1) * 1000) / 10) : "";
  input.addEventListener("input", () => onChange(input.value === "" ? undefined : 1 + Number(input.value) / 100));
  return input;
}

function set(op, name, value) {
  if (value === "" || value === undefined) delete op[name];
  else op[name] = value;
  writeJson();
}

// the fields each kind of change has in the builder, by the label of those it needs ("" for
// an optional one); an operation with others (a tag, an amount instead of a factor...) or with
// several ids is shown as JSON, so that the form never hides part of it
const FORMS = {
  close: { target: "study.change.target", start: "study.change.from", end: "study.change.until", reason: "" },
  disable: { ids: "study.change.target" },
  enable: { ids: "study.change.target", valid_from: "" },
  set_tariff: { code: "study.change.code", factor: "study.change.percent", valid_from: "" },
  adjust_frequency: { service: "study.change.service", departures: "study.change.departures" },
  adjust_capacity: { ids: "study.change.target", factor: "study.change.percent" },
};

function fitsForm(op) {
  const fields = FORMS[op.op];
  if (!fields || !Object.keys(op).every((name) => name === "op" || name in fields)) return false;
  const known = new Set([...serviceList(), ...placeList()].map((item) => item.id));
  const chosen = op.target ?? op.service ?? op.ids?.[0];
  const single = op.ids === undefined || (Array.isArray(op.ids) && op.ids.length === 1);
  return single && (!chosen || known.has(chosen));
}

/** The controls of one change, bound to its operation. */
function changeRow(op, index) {
  const row = el("li");
  const box = el("fieldset", undefined, "change");
  const kind = fitsForm(op) ? op.op : "other";
  box.append(el("legend", `${index}. ${t(`study.change.${kind}`)}`));
  const day = (name) => (op[name] ? op[name].slice(0, 10) : "");
  switch (kind) {
    case "close":
      box.append(
        field("study.change.target", targetSelect(op.target, (v) => set(op, "target", v))),
        field("study.change.from", dateInput(day("start"), (v) => set(op, "start", v && `${v}T00:00:00${CHINA}`))),
        field("study.change.until", dateInput(day("end"), (v) => set(op, "end", v && `${v}T00:00:00${CHINA}`))),
      );
      break;
    case "disable":
    case "enable":
      box.append(field("study.change.target", targetSelect(op.ids?.[0], (v) => set(op, "ids", v ? [v] : ""))));
      if (op.op === "enable") box.append(field("study.change.from", dateInput(op.valid_from, (v) => set(op, "valid_from", v))));
      break;
    case "set_tariff": {
      const code = el("input");
      code.value = op.code || "";
      code.addEventListener("input", () => set(op, "code", code.value.trim()));
      box.append(
        field("study.change.code", code),
        field("study.change.percent", percentInput(op.factor, (v) => set(op, "factor", v))),
        field("study.change.from", dateInput(op.valid_from, (v) => set(op, "valid_from", v))),
      );
      break;
    }
    case "adjust_frequency": {
      const times = el("input");
      times.value = (op.departures || []).join(", ");
      times.placeholder = "MON 18:00, THU 18:00";
      times.addEventListener("input", () => {
        const list = times.value.split(",").map((s) => s.trim()).filter(Boolean);
        set(op, "departures", list.length ? list : "");
      });
      box.append(
        field("study.change.service", targetSelect(op.service, (v) => set(op, "service", v), true)),
        field("study.change.departures", times),
      );
      break;
    }
    case "adjust_capacity":
      box.append(
        field("study.change.target", targetSelect(op.ids?.[0], (v) => set(op, "ids", v ? [v] : ""), true)),
        field("study.change.percent", percentInput(op.factor, (v) => set(op, "factor", v))),
      );
      break;
    default:
      box.append(el("code", JSON.stringify(op)));
  }
  const remove = el("button", t("study.change.remove"));
  remove.type = "button";
  remove.addEventListener("click", () => {
    ops.splice(ops.indexOf(op), 1);
    renderBuilder();
    writeJson();
    changeKind.focus();
  });
  box.append(remove);
  row.append(box);
  return row;
}

function renderBuilder() {
  projects.replaceChildren();
  for (const tag of plannedTags()) {
    const op = ops.find((o) => isProject(o) && o.tags[0] === tag);
    const line = el("div", undefined, "project");
    const toggle = el("input");
    toggle.type = "checkbox";
    toggle.name = `project-${tag}`;
    toggle.checked = Boolean(op);
    const name = el("label", undefined, "check");
    name.append(toggle, el("span", t("study.project.open", { name: t(`tag.${tag}`) })));
    const from = dateInput(op?.valid_from, (v) => {
      const current = ops.find((o) => isProject(o) && o.tags[0] === tag);
      if (current) set(current, "valid_from", v);
    });
    from.name = `project-${tag}-from`;
    from.disabled = !op;
    toggle.addEventListener("change", () => {
      if (toggle.checked) {
        const added = { op: "enable", tags: [tag] };
        if (from.value) added.valid_from = from.value;
        ops.unshift(added);
      } else {
        ops = ops.filter((o) => !(isProject(o) && o.tags[0] === tag));
      }
      from.disabled = !toggle.checked;
      writeJson();
    });
    line.append(name, field("study.project.from", from));
    projects.append(line);
  }
  changes.replaceChildren();
  let n = 0;
  for (const op of ops) if (!isProject(op)) changes.append(changeRow(op, ++n));
  if (!n) changes.append(el("li", t("study.change.none"), "muted"));
}

function writeJson() {
  editor.elements.ops.value = JSON.stringify(ops, null, 2);
  clearProblem(opsError);
  report.edited();
}

/** Where JSON.parse stopped, as a line and column of ``text``. */
function jsonError(text, err) {
  const at = Number(/position (\d+)/.exec(err.message)?.[1] ?? text.length);
  const before = text.slice(0, at).split("\n");
  const line = before.length;
  const column = before.at(-1).length + 1;
  const source = text.split("\n")[line - 1] ?? "";
  return { line, column, source };
}

function readJson() {
  const text = editor.elements.ops.value;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const { line, column, source } = jsonError(text, err);
    opsError.hidden = false;
    opsError.replaceChildren(
      el("strong", t("study.json.error", { line, column })),
      el("pre", `${source}\n${" ".repeat(column - 1)}^`),
    );
    return false;
  }
  if (!Array.isArray(parsed) || !parsed.every((op) => op && typeof op === "object" && !Array.isArray(op))) {
    opsError.hidden = false;
    opsError.replaceChildren(el("strong", t("study.json.list")));
    return false;
  }
  clearProblem(opsError);
  ops = parsed;
  renderBuilder();
  report.edited();
  return true;
}

editor.elements.ops.addEventListener("input", readJson);

document.getElementById("change-add").addEventListener("click", () => {
  const kind = changeKind.value;
  const today = new Date().toLocaleDateString("en-CA");
  const added = { op: kind };
  if (kind === "close") Object.assign(added, { target: "", start: `${today}T00:00:00${CHINA}` });
  if (kind === "set_tariff") Object.assign(added, { code: "", valid_from: today });
  if (kind === "adjust_frequency") Object.assign(added, { service: "", departures: [] });
  ops.push(added);
  renderBuilder();
  writeJson();
  changes.querySelector("li:last-child select, li:last-child input")?.focus();
});

/** Changes left incomplete, in plain words: "2. Close: What is empty". */
function incomplete() {
  const missing = [];
  let n = 0;
  for (const op of ops) {
    if (isProject(op)) continue;
    n += 1;
    if (!fitsForm(op)) continue; // written as JSON: the service checks it
    for (const [name, labelKey] of Object.entries(FORMS[op.op])) {
      const value = op[name];
      if (labelKey && (value === undefined || value === "" || (Array.isArray(value) && !value.length))) {
        missing.push({
          field: `${n}. ${t(`study.change.${op.op}`)}`,
          message: t("study.rule.empty", { label: t(labelKey) }),
          inWords: true,
        });
      }
    }
  }
  if (missing.length) throw new Problem({ title: t("study.incomplete"), errors: missing });
}

/** The organisation's stored scenarios in the picker; ``selectId`` chosen, else a new one. */
export async function loadScenarios(selectId) {
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
  editor.elements.name.value = chosen ? chosen.name : t("study.default.name");
  editor.elements.description.value = chosen?.description || "";
  ops = structuredClone(chosen ? chosen.ops : DEFAULT_OPS);
  renderBuilder();
  writeJson();
}

/** The scenario to study: the stored one picked (at its current version) or the one in the
 * builder, inline; throws a Problem while the JSON has a mistake or a change is incomplete. */
export function scenarioToRun() {
  if (!opsError.hidden) throw new Problem({ title: t("study.json.fix") });
  incomplete();
  const name = editor.elements.name.value;
  return { name, scenario: picker.value || { name, ops } };
}

/** Where the builder reports: ``saved(version)``, ``problem(error)``, and ``edited()`` after
 * each change to the operations (a problem shown about the old ones is then stale). */
export function reportTo(handlers) {
  report = handlers;
}

editor.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    scenarioToRun();
    const body = {
      name: editor.elements.name.value,
      description: editor.elements.description.value || null,
      ops,
    };
    const saved = picker.value
      ? await patch(`/v1/scenarios/${picker.value}`, body)
      : await post("/v1/scenarios", body);
    await loadScenarios(saved.id);
    report.saved(saved.version);
  } catch (err) {
    report.problem(err);
  }
});

picker.addEventListener("change", fillEditor);

onSwitch(() => {
  renderBuilder();
  const fresh = picker.querySelector('option[value=""]');
  if (fresh) fresh.textContent = t("study.new");
});

// The quote form: places picked by name, the cargo (a reefer box makes reefer cargo, dangerous
// goods take their IMDG class), the filters and caps the API takes, checked here before asking;
// POST /v1/quotes, and the whole request kept in the page's address, so that a link reopens and
// re-runs it.

import { apiKey, clearProblem, get, permissions, post, showInvalid, showProblem } from "./api.js";
import { onBooked } from "./booking.js";
import { sayDay, sayDays } from "./dom.js";
import { isoDay, optionCount, readDay, when } from "./format.js";
import { onSwitch, t } from "./i18n.js";
import { initLists, refreshLists, relabelLists } from "./lists.js";
import { clearOptions, relabelOptions, setView, showOptions } from "./options.js";
import { PlacePicker, loadPlaces } from "./places.js";

const form = document.getElementById("quote-form");
const problemBox = document.getElementById("quote-problem");
const status = document.getElementById("quote-status");
const results = document.getElementById("quote-results");
const sortBox = document.getElementById("quote-sort");
const currencyBox = document.getElementById("quote-currency");
const classNote = document.getElementById("class-note");
const readyNote = document.getElementById("ready-note");
const imdgField = document.getElementById("imdg-field");
const fields = form.elements;

const pickers = {
  origin: new PlacePicker(document.getElementById("origin-place")),
  destination: new PlacePicker(document.getElementById("destination-place")),
  via: new PlacePicker(document.getElementById("via-place")),
  avoid: new PlacePicker(document.getElementById("avoid-place")),
};

// IMDG classes and divisions the API reads (1 to 9, divisions .1 to .6)
const IMDG = ["1", "2.1", "2.2", "2.3", "3", "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9"];
const MODES = ["sea", "rail", "river", "canal", "road"];
// the form's fields under their names in the page's address
const ADDRESS = {
  origin: "from",
  destination: "to",
  box: "box",
  count: "n",
  cargo_class: "class",
  imdg: "imdg",
  ready: "ready",
  preference: "pref",
  max_transfers: "transfers",
  deadline: "deadline",
  max_price_cny: "budget",
  max_co2e_kg: "co2e",
};

let limits = null;
let quote = null;

/** The API's field names mapped to the inputs that hold them, so its problems name the label. */
function fieldInputs() {
  return {
    "body.origin": pickers.origin.input,
    "body.destination": pickers.destination.input,
    "body.ready": fields.ready,
    "body.deadline": fields.deadline,
    "body.cargo.box": fields.box,
    "body.cargo.count": fields.count,
    "body.cargo.cargo_class": fields.cargo_class,
    "body.cargo.imdg": fields.imdg,
    "body.filters.modes": fields.modes[0],
    "body.filters.max_transfers": fields.max_transfers,
    "body.filters.required_hubs": pickers.via.input,
    "body.filters.excluded_hubs": pickers.avoid.input,
    "body.max_price_cny": fields.max_price_cny,
    "body.max_co2e_kg": fields.max_co2e_kg,
  };
}

const reeferBox = (box) => box[2] === "R"; // ISO 6346: the type group letter

function today() {
  return readDay(isoDay(new Date()));
}

function lastReadyDay() {
  const last = today();
  last.setDate(last.getDate() + (limits?.max_horizon_days ?? 0));
  return last;
}

function fillImdg() {
  const chosen = fields.imdg.value;
  fields.imdg.replaceChildren(new Option(t("quote.imdg.choose"), ""));
  for (const code of IMDG) fields.imdg.append(new Option(`${code} · ${t(`quote.imdg.${code}`)}`, code));
  fields.imdg.value = chosen;
}

// what the box and class say to each other, in words under the class
function explainClass() {
  const dangerous = fields.cargo_class.value === "dangerous";
  imdgField.hidden = !dangerous;
  fields.imdg.required = dangerous;
  if (reeferBox(fields.box.value)) classNote.textContent = t("quote.class.note.reefer", { box: fields.box.value });
  else if (dangerous) classNote.textContent = t("quote.class.note.dangerous");
  else classNote.textContent = "";
}

function explainReady() {
  readyNote.textContent = limits
    ? t("quote.form.ready.note", { last: isoDay(lastReadyDay()), days: limits.max_horizon_days })
    : t("quote.date.note");
}

// a reefer box carries reefer cargo; leaving it, reefer cargo goes back to dry
fields.box.addEventListener("change", () => {
  if (reeferBox(fields.box.value)) fields.cargo_class.value = "reefer";
  else if (fields.cargo_class.value === "reefer") fields.cargo_class.value = "dry";
  explainClass();
});
fields.cargo_class.addEventListener("change", explainClass);

document.getElementById("swap-places").addEventListener("click", () => {
  const { origin, destination } = pickers;
  const [from, fromText] = [origin.place, origin.input.value];
  origin.set(destination.place);
  if (!destination.place) origin.input.value = destination.input.value;
  destination.set(from);
  if (!from) destination.input.value = fromText;
});

/** What the form asks, checked here; [input, words] for each problem. */
function check() {
  const found = [];
  for (const end of ["origin", "destination"]) {
    if (!pickers[end].value) found.push([pickers[end].input, t("problem.msg.required")]);
  }
  if (pickers.origin.value && pickers.origin.value === pickers.destination.value) {
    found.push([pickers.destination.input, t("quote.form.same")]);
  }
  const ready = readDay(fields.ready.value);
  if (!ready) found.push([fields.ready, t("quote.form.date", { example: isoDay(today()) })]);
  else if (ready < today()) found.push([fields.ready, t("quote.form.ready.past")]);
  else if (limits && ready > lastReadyDay()) {
    found.push([fields.ready, t("quote.form.ready.far", { days: limits.max_horizon_days, last: isoDay(lastReadyDay()) })]);
  }
  if (fields.deadline.value.trim()) {
    const deadline = readDay(fields.deadline.value);
    if (!deadline) found.push([fields.deadline, t("quote.form.date", { example: isoDay(today()) })]);
    else if (ready && deadline < ready) found.push([fields.deadline, t("quote.form.deadline.early")]);
  }
  const count = Number(fields.count.value);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    found.push([fields.count, t("quote.form.count")]);
  }
  if (fields.cargo_class.value === "reefer" && !reeferBox(fields.box.value)) {
    found.push([fields.cargo_class, t("quote.form.reefer", { box: fields.box.value })]);
  }
  if (fields.cargo_class.value === "dangerous" && !fields.imdg.value) {
    found.push([fields.imdg, t("problem.msg.imdg")]);
  }
  if (!checkedModes().length) found.push([fields.modes[0], t("quote.form.modes")]);
  return found;
}

function checkedModes() {
  return [...fields.modes].filter((box) => box.checked).map((box) => box.value);
}

// ready today means ready now: a departure whose cut-off has passed must not be offered
function readyValue(day) {
  return day === isoDay(new Date()) ? new Date().toISOString() : day;
}

/** The request as the API takes it. */
function request() {
  const number = (name) => (fields[name].value.trim() === "" ? undefined : Number(fields[name].value));
  const modes = checkedModes();
  const body = {
    origin: pickers.origin.value,
    destination: pickers.destination.value,
    ready: readyValue(fields.ready.value.trim()),
    cargo: {
      box: fields.box.value,
      count: Number(fields.count.value),
      cargo_class: fields.cargo_class.value,
      ...(fields.cargo_class.value === "dangerous" ? { imdg: fields.imdg.value } : {}),
    },
    filters: {
      ...(modes.length < MODES.length ? { modes } : {}),
      ...(number("max_transfers") === undefined ? {} : { max_transfers: number("max_transfers") }),
      ...(pickers.via.value ? { required_hubs: [pickers.via.value] } : {}),
      ...(pickers.avoid.value ? { excluded_hubs: [pickers.avoid.value] } : {}),
    },
    preference: fields.preference.value,
  };
  if (fields.deadline.value.trim()) body.deadline = fields.deadline.value.trim();
  if (number("max_price_cny") !== undefined) body.max_price_cny = number("max_price_cny");
  if (number("max_co2e_kg") !== undefined) body.max_co2e_kg = number("max_co2e_kg");
  return body;
}

/** The whole request, the sort and the currency in the page's address. */
function writeAddress() {
  const params = new URLSearchParams(location.search);
  for (const name of [...Object.values(ADDRESS), "modes", "via", "avoid", "sort", "cur"]) params.delete(name);
  for (const [field, name] of Object.entries(ADDRESS)) {
    const value = field in pickers ? pickers[field].value : fields[field].value.trim();
    if (value && !(field === "imdg" && fields.cargo_class.value !== "dangerous")) params.set(name, value);
  }
  const modes = checkedModes();
  if (modes.length < MODES.length) params.set("modes", modes.join(","));
  if (pickers.via.value) params.set("via", pickers.via.value);
  if (pickers.avoid.value) params.set("avoid", pickers.avoid.value);
  if (sortBox.value !== "recommended") params.set("sort", sortBox.value);
  if (currencyBox.value !== "CNY") params.set("cur", currencyBox.value);
  history.replaceState(null, "", `${location.pathname}?${params}${location.hash}`);
}

/** Fill the form from the page's address; true if it holds a request to run. */
async function readAddress() {
  const params = new URLSearchParams(location.search);
  if (!params.get("from") || !params.get("to")) return false;
  await fillForm({
    origin: params.get("from"),
    destination: params.get("to"),
    ready: params.get("ready"),
    deadline: params.get("deadline"),
    cargo: {
      box: params.get("box"),
      count: params.get("n"),
      cargo_class: params.get("class"),
      imdg: params.get("imdg"),
    },
    filters: {
      modes: params.get("modes")?.split(","),
      max_transfers: params.get("transfers"),
      required_hubs: params.get("via") ? [params.get("via")] : [],
      excluded_hubs: params.get("avoid") ? [params.get("avoid")] : [],
    },
    preference: params.get("pref"),
    max_price_cny: params.get("budget"),
    max_co2e_kg: params.get("co2e"),
  });
  if (params.get("sort")) sortBox.value = params.get("sort");
  if (params.get("cur")) currencyBox.value = params.get("cur");
  return true;
}

/** Fill the form from a request (a link's, or a stored quote's). */
async function fillForm(asked) {
  const set = (name, value) => {
    fields[name].value = value ?? "";
  };
  const cargo = asked.cargo || {};
  set("box", cargo.box || "42G1");
  set("count", cargo.count || 1);
  set("cargo_class", cargo.cargo_class || (reeferBox(fields.box.value) ? "reefer" : "dry"));
  set("imdg", cargo.imdg);
  // a stored ready time may carry a clock time: the field holds its day
  set("ready", (asked.ready || isoDay(new Date())).slice(0, 10));
  set("deadline", asked.deadline?.slice(0, 10));
  sayDays();
  set("preference", asked.preference || "balanced");
  const filters = asked.filters || {};
  for (const box of fields.modes) box.checked = !filters.modes?.length || filters.modes.includes(box.value);
  set("max_transfers", filters.max_transfers);
  set("max_price_cny", asked.max_price_cny);
  set("max_co2e_kg", asked.max_co2e_kg);
  const advanced =
    filters.modes?.length || filters.max_transfers != null || filters.required_hubs?.length ||
    filters.excluded_hubs?.length || asked.deadline || asked.max_price_cny || asked.max_co2e_kg;
  document.getElementById("quote-advanced").open = Boolean(advanced);
  const end = (value) => (typeof value === "string" ? value : "");
  await Promise.all([
    pickers.origin.setById(end(asked.origin)),
    pickers.destination.setById(end(asked.destination)),
    pickers.via.setById(filters.required_hubs?.[0]),
    pickers.avoid.setById(filters.excluded_hubs?.[0]),
  ]);
  explainClass();
}

function show(answer) {
  quote = answer;
  results.hidden = false;
  status.textContent = statusText();
  showOptions(quote, { sort: sortBox.value, currency: currencyBox.value });
}

function statusText() {
  if (!quote) return "";
  // the one notice the API gives: a ready time in the past, searched from quote.ready
  const notices = quote.notices.length && quote.ready ? [t("quote.notice.past", { when: when(quote.ready) })] : [];
  return [optionCount(quote.options.length), ...quote.reasons.map(reasonText), ...notices].join(" ");
}

// why there is no (better) option, from the reason's code and figures
function reasonText(reason) {
  const known = [
    "no-service-for-cargo-class", "filters-disconnect", "no-connection", "nothing-in-horizon",
    "capacity-exhausted", "deadline-too-early", "budget-too-low", "co2e-cap-too-low",
    "too-few-transfers", "constraints-combined", "shipment-too-large",
  ];
  if (!known.includes(reason.code)) return reason.message;
  return t(`quote.reason.${reason.code}`, {
    arrival: reason.earliest_arrival ?? "",
    cny: reason.cheapest_cny == null ? "" : Math.round(reason.cheapest_cny).toLocaleString(),
    kg: reason.least_co2e_kg == null ? "" : Math.round(reason.least_co2e_kg).toLocaleString(),
    transfers: reason.fewest_transfers ?? "",
    boxes: reason.most_boxes ?? "",
  });
}

async function run() {
  clearProblem(problemBox);
  if (!limits) await prepare();
  const found = check();
  if (found.length) {
    showInvalid(problemBox, found);
    return;
  }
  const body = request();
  writeAddress();
  status.textContent = t("quote.solving");
  clearOptions();
  results.hidden = true;
  let answer;
  try {
    answer = await post("/v1/quotes", body);
  } catch (err) {
    quote = null;
    status.textContent = "";
    showProblem(problemBox, err, { fields: fieldInputs(), retry: run });
    return;
  }
  show(answer);
  refreshLists();
}

/** Show a stored quote again: its request in the form, its options as they were quoted. */
async function reopen(stored) {
  clearProblem(problemBox);
  await fillForm(stored.request);
  writeAddress();
  show(stored);
  status.textContent = `${t("quote.mine.reopened", { when: when(stored.created_at) })} ${statusText()}`;
  form.scrollIntoView({ block: "start" });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

for (const box of [sortBox, currencyBox]) {
  box.addEventListener("change", () => {
    setView(sortBox.value, currencyBox.value);
    if (quote) writeAddress();
  });
}

/** Start the quote view; a request in the page's address is shown and run once the key is
 * known. */
export function initQuote() {
  const soon = new Date(Date.now() + 3 * 86_400_000);
  fields.ready.value = isoDay(soon);
  sayDay(fields.ready);
  sayDay(fields.deadline);
  fillImdg();
  explainClass();
  explainReady();
  initLists(reopen);
  onBooked(refreshLists);
  onSwitch(() => {
    fillImdg();
    explainClass();
    explainReady();
    for (const picker of Object.values(pickers)) picker.relabel();
    status.textContent = statusText();
    relabelOptions();
    relabelLists();
  });
  document.querySelector("[data-view=quote]")?.addEventListener("click", prepare);
  // a key accepted (typed in, or the stored one checked): a linked request runs with it
  document.addEventListener("corridor:key", () => prepare().then(runLinked));
}

/** What the form needs from the service: its limits, the places' names, the lists. */
async function prepare() {
  if (!apiKey()) return;
  try {
    if (!(await permissions()).has("quotes:write")) return; // the key's role may not quote
    [limits] = await Promise.all([get("/v1/quotes/limits"), loadPlaces()]);
  } catch {
    return; // the network view says what is wrong with the key or the service
  }
  explainReady();
  refreshLists();
}

async function runLinked() {
  if (quote || !(await readAddress())) return; // shown already: the address is its request
  document.querySelector("[data-view=quote]")?.click();
  run();
}

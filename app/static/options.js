// A quote's options, laid out for choosing: departures of the same corridor grouped on one card,
// the cards a radio group (arrow keys move the choice), sorted by price, arrival or CO2e, a
// price/arrival/CO2e chart whose points choose too, the chosen option's legs with carrier,
// service and cut-off, its itemized bill, and booking it.

import { bookingPanel } from "./booking.js";
import { duration, money, tonnes, when } from "./format.js";
import { language, operatorOf, t } from "./i18n.js";
import { clearRoutes, drawRoutes } from "./map.js";
import { placeName } from "./places.js";

const optionsBox = document.getElementById("quote-options");
const chartBox = document.getElementById("quote-chart");
const detailBox = document.getElementById("quote-detail");
const billBox = document.getElementById("quote-bill");
const bookingBox = document.getElementById("quote-booking");
const validity = document.getElementById("quote-validity");

let quote = null;
let groups = [];
let chosen = null; // { group, variant }
let view = { sort: "recommended", currency: "CNY" };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The legs as the box rides them: consecutive legs of one service are one run (the box stays
 * aboard where the vehicle calls on the way). */
function runs(option) {
  const found = [];
  for (const { properties: leg } of option.legs.features) {
    const last = found[found.length - 1];
    if (last && last.service === leg.service) {
      last.to = leg.to;
      last.arrival = leg.arrival;
    } else {
      found.push({ ...leg });
    }
  }
  return found;
}

/** The places where the box changes vehicle. */
function transfers(option) {
  return runs(option)
    .slice(0, -1)
    .map((run) => run.to);
}

// options on the same places by the same modes are one corridor: its departures share a card
function corridor(option) {
  return option.legs.features.map(({ properties: p }) => `${p.from}>${p.to}:${p.mode}`).join("|");
}

// one departure of a corridor: a quoted option, or another departure the API lists with it
function variants(options) {
  const found = [];
  const seen = new Set();
  for (const option of options) {
    found.push({
      id: option.id,
      option,
      labels: option.labels,
      departure: option.departure,
      arrival: option.arrival,
      transit_hours: option.transit_hours,
      price_cny: option.price.total_cny,
      co2e_kg: option.co2e_kg,
      services: runs(option).map((run) => run.service_name || run.service),
      other: false,
    });
    seen.add(option.id);
  }
  for (const option of options) {
    for (const other of option.departures) {
      if (seen.has(other.id)) continue;
      seen.add(other.id);
      found.push({
        id: other.id,
        option,
        labels: other.labels,
        departure: other.departure,
        arrival: other.arrival,
        transit_hours: other.transit_hours,
        price_cny: other.price_total_cny,
        co2e_kg: other.co2e_kg,
        services: other.services,
        other: true,
      });
    }
  }
  return found.sort((a, b) => Date.parse(a.departure) - Date.parse(b.departure));
}

function grouped(options) {
  const byCorridor = new Map();
  options.forEach((option, order) => {
    const key = corridor(option);
    if (!byCorridor.has(key)) byCorridor.set(key, { key, order, options: [] });
    byCorridor.get(key).options.push(option);
  });
  return [...byCorridor.values()].map((group) => {
    const all = variants(group.options);
    const labelled = group.options[0];
    return { ...group, variants: all, shown: all.find((v) => v.id === labelled.id) };
  });
}

const SORTS = {
  recommended: (group) => group.order,
  price: (group) => group.shown.price_cny,
  arrival: (group) => Date.parse(group.shown.arrival),
  co2e: (group) => group.shown.co2e_kg,
};

function sorted() {
  const key = SORTS[view.sort] || SORTS.recommended;
  return [...groups].sort((a, b) => key(a) - key(b) || a.order - b.order);
}

function price(cny) {
  return money(cny, view.currency, quote.options[0]?.price.usd_rate ?? 1);
}

function viaText(option) {
  const hubs = transfers(option);
  return hubs.length ? t("quote.via", { places: hubs.map(placeName).join(" · ") }) : t("quote.direct");
}

/** A run's service in words: its name in English; in 中文 its mode and places, since services
 * have no Chinese names. */
function serviceText(run) {
  if (language() === "zh" || !run.service_name) {
    return `${placeName(run.from)}—${placeName(run.to)} ${t(`mode.${run.mode}`)}`;
  }
  return run.service_name;
}

/** The services of another departure in words, in the order the box rides them: their names
 * as the API gives them; in 中文, where services have no names, the mode and places of the
 * corridor's run each one serves. */
function otherServices(variant) {
  const corridorRuns = runs(variant.option);
  if (language() !== "zh" || corridorRuns.length !== variant.services.length) return variant.services;
  return corridorRuns.map(serviceText);
}

// an operator's name in the page's language, marked with the language it is written in
function operator(run) {
  const { text, lang } = operatorOf(run);
  const name = el("span", text, "operator");
  name.lang = lang;
  return name;
}

function card(group) {
  const variant = group.shown;
  const option = variant.option;
  const on = chosen?.group === group;
  const box = el("article", undefined, "option");
  box.setAttribute("role", "radio");
  box.setAttribute("aria-checked", String(on));
  box.tabIndex = on ? 0 : -1;
  box.dataset.option = variant.id;
  if (on) box.classList.add("selected");
  const labels = el("div", undefined, "labels");
  const names = new Set(group.variants.flatMap((v) => v.labels));
  for (const label of names) labels.append(el("span", t(`label.${label}`), `label ${label}`));
  box.append(labels, el("div", viaText(option), "via"));
  const legs = el("ol", undefined, "runs");
  for (const run of runs(option)) {
    const item = el("li");
    item.append(el("span", t(`mode.${run.mode}`), `mode ${run.mode}`), " ", serviceText(run), " · ");
    item.append(operator(run));
    legs.append(item);
  }
  box.append(legs);
  const facts = el("dl");
  for (const [key, value, cls] of [
    ["quote.price", price(variant.price_cny), "price"],
    ["quote.departure", when(variant.departure)],
    ["quote.arrival", when(variant.arrival)],
    ["quote.transit", duration(variant.transit_hours)],
    ["quote.co2e", tonnes(variant.co2e_kg)],
    ["quote.transfers", String(option.transfers)],
    ["quote.cutoff", when(option.legs.features[0].properties.cutoff)],
    ["quote.valid", when(option.price.valid_until)],
  ]) {
    facts.append(el("dt", t(key)), el("dd", value, cls));
  }
  box.append(facts);
  if (group.variants.length > 1) {
    box.append(el("div", t("quote.departures.count", { n: group.variants.length }), "departures-count"));
  }
  box.addEventListener("click", () => choose(group, group.shown, true));
  box.addEventListener("keydown", (event) => moveWith(event, group));
  return box;
}

// the radio group's keys: arrows move the choice, Home and End go to the ends
function moveWith(event, group) {
  const order = sorted();
  const at = order.indexOf(group);
  const next = {
    ArrowDown: at + 1,
    ArrowRight: at + 1,
    ArrowUp: at - 1,
    ArrowLeft: at - 1,
    Home: 0,
    End: order.length - 1,
  }[event.key];
  if (next === undefined) {
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      choose(group, group.shown, true);
    }
    return;
  }
  event.preventDefault();
  const target = order[(next + order.length) % order.length];
  choose(target, target.shown, true);
}

function renderCards(keepFocus) {
  optionsBox.replaceChildren(...sorted().map(card));
  if (keepFocus) optionsBox.querySelector("[aria-checked=true]")?.focus();
}

// ------------------------------------------------------------------ the trade-off chart
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Price against arrival, a dot per card, its area by CO2e; clicking a dot chooses it. */
function renderChart() {
  chartBox.replaceChildren();
  if (groups.length < 2) return;
  const start = Date.parse(quote.ready || quote.options[0].departure);
  const points = groups.map((group) => ({
    group,
    days: (Date.parse(group.shown.arrival) - start) / 86_400_000,
    cny: group.shown.price_cny,
    co2e: group.shown.co2e_kg,
  }));
  const width = 460;
  const height = 190;
  const pad = { left: 64, right: 16, top: 22, bottom: 36 };
  const span = (values) => {
    const low = Math.min(...values);
    const high = Math.max(...values);
    const margin = (high - low) * 0.1 || Math.abs(high) * 0.05 || 1;
    return [low - margin, high + margin];
  };
  const [x0, x1] = span(points.map((p) => p.days));
  const [y0, y1] = span(points.map((p) => p.cny));
  const x = (v) => pad.left + ((v - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - ((v - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const most = Math.max(...points.map((p) => p.co2e));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  chart.setAttribute("aria-label", t("quote.chart.summary", { n: points.length }));
  chart.append(
    svg("line", { x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom, class: "axis" }),
    svg("line", { x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom, class: "axis" }),
    svg("text", { x: (pad.left + width - pad.right) / 2, y: height - 6, "text-anchor": "middle" }, t("quote.chart.x")),
    svg("text", { x: 4, y: 11 }, view.currency),
  );
  for (const [value, anchor] of [[x0, "start"], [x1, "end"]]) {
    chart.append(svg("text", { x: x(value), y: height - pad.bottom + 14, "text-anchor": anchor }, `${Math.max(0, value).toFixed(1)} ${t("unit.d")}`));
  }
  for (const value of [y0, y1]) {
    chart.append(svg("text", { x: pad.left - 4, y: y(value) + 4, "text-anchor": "end" }, price(value).split(" ")[0]));
  }
  for (const point of points) {
    const on = chosen?.group === point.group;
    const dot = svg("circle", {
      cx: x(point.days),
      cy: y(point.cny),
      r: 5 + 9 * Math.sqrt(point.co2e / most),
      class: on ? "dot selected" : "dot",
      "data-option": point.group.shown.id,
    });
    dot.append(
      svg("title", {}, `${viaText(point.group.shown.option)}: ${price(point.cny)}, ${when(point.group.shown.arrival)}, ${tonnes(point.co2e)}`),
    );
    dot.addEventListener("click", () => choose(point.group, point.group.shown, false));
    chart.append(dot);
  }
  const caption = el("figcaption", t("quote.chart.caption"));
  chartBox.append(caption, chart);
}

// ------------------------------------------------------------------ the chosen option
function renderDetail() {
  detailBox.replaceChildren();
  if (!chosen) return;
  const { group, variant } = chosen;
  detailBox.append(el("h3", t("quote.chosen", { via: viaText(variant.option) })));
  if (group.variants.length > 1) {
    const label = el("label");
    label.append(el("span", t("quote.departures.choose", { n: group.variants.length })));
    const picker = el("select");
    picker.id = "departure-picker";
    for (const other of group.variants) {
      const item = el(
        "option",
        `${when(other.departure)} → ${when(other.arrival)} · ${price(other.price_cny)} · ${tonnes(other.co2e_kg)}`,
      );
      item.value = other.id;
      item.selected = other.id === variant.id;
      picker.append(item);
    }
    picker.addEventListener("change", () => {
      const next = group.variants.find((v) => v.id === picker.value);
      group.shown = next;
      choose(group, next, false);
      document.getElementById("departure-picker")?.focus();
    });
    label.append(picker);
    detailBox.append(label);
  }
  if (variant.other) {
    // another departure of the corridor: its times and total; the legs are the corridor's
    const names = otherServices(variant).join(" · ");
    detailBox.append(el("p", t("quote.departure.other", { services: names }), "note"));
  }
  const legs = el("ol", undefined, "legs");
  for (const run of runs(variant.option)) {
    const item = el("li");
    const head = el("div", undefined, "leg-head");
    head.append(el("span", t(`mode.${run.mode}`), `mode ${run.mode}`), " ", serviceText(run));
    item.append(head);
    const facts = el("dl");
    const carrier = el("dd");
    carrier.append(operator(run));
    facts.append(el("dt", t("quote.leg.carrier")), carrier);
    for (const [key, value] of [
      ["quote.leg.service", run.service],
      ["quote.leg.route", `${placeName(run.from)} → ${placeName(run.to)}`],
      ["quote.cutoff", when(run.cutoff)],
      ["quote.departure", when(run.departure)],
      ["quote.arrival", when(run.arrival)],
    ]) {
      facts.append(el("dt", t(key)), el("dd", value));
    }
    item.append(facts);
    legs.append(item);
  }
  if (!variant.other) detailBox.append(legs);
}

const FEE_KINDS = new Set(["freight", "handling", "dues", "document", "customs", "border", "surcharge"]);

// a bill line in words: the catalogue's name, in 中文 its Chinese one; an item without one reads
// as its kind and where it applies
function itemName(item, option) {
  if (language() !== "zh") return item.description;
  if (item.description_zh) return item.description_zh;
  const kind = FEE_KINDS.has(item.category) ? t(`bill.fee.${item.category}`) : t("bill.fee.other");
  const leg = option.legs.features.find((f) => f.properties.leg === item.applies_to);
  const where = leg ? `${placeName(leg.properties.from)}—${placeName(leg.properties.to)}` : placeName(item.applies_to);
  return `${kind} · ${where}`;
}

function renderBill() {
  billBox.replaceChildren();
  if (!chosen) return;
  const { variant } = chosen;
  const option = variant.option;
  billBox.append(el("h3", t("quote.bill")));
  const table = el("table", undefined, "bill");
  const head = el("tr");
  for (const key of ["quote.item", "quote.quantity", "quote.amount"]) head.append(el("th", t(key)));
  table.append(head);
  // another departure's bill is the corridor's when its total is the same
  const same = Math.abs(variant.price_cny - option.price.total_cny) < 0.005;
  if (same) {
    for (const item of option.price.items) {
      const row = el("tr");
      const name = el("td");
      name.append(el("code", item.code), " ", itemName(item, option));
      if (item.estimate) name.append(el("span", t("quote.estimate"), "estimate"));
      row.append(
        name,
        el("td", `${item.quantity.toLocaleString()} ${t(`per.${item.unit}`)}`),
        el("td", price(item.amount_cny), "num"),
      );
      table.append(row);
    }
  } else {
    const row = el("tr");
    row.append(el("td", t("quote.bill.other")), el("td", ""), el("td", "", "num"));
    table.append(row);
  }
  const total = el("tr", undefined, "total");
  total.append(el("td", t("quote.total")), el("td", ""), el("td", price(variant.price_cny), "num"));
  table.append(total);
  billBox.append(table);
  if (view.currency === "USD") {
    billBox.append(el("p", t("quote.rate", { rate: option.price.usd_rate, date: option.price.rates_date }), "note"));
  }
}

function choose(group, variant, focusCard) {
  chosen = { group, variant };
  group.shown = variant;
  renderCards(focusCard);
  renderChart();
  renderDetail();
  renderBill();
  bookingPanel(bookingBox, quote, variant, viaText(variant.option));
  drawRoutes(
    groups.map((g) => g.shown.option),
    variant.option.id,
  );
}

/** Show ``answer``'s options sorted by ``settings.sort``, money in ``settings.currency``. */
export function showOptions(answer, settings) {
  quote = answer;
  view = { ...view, ...settings };
  groups = grouped(quote.options);
  chosen = null;
  validity.textContent = t("quote.expires", { when: when(quote.expires_at) });
  if (!groups.length) {
    optionsBox.replaceChildren();
    for (const box of [chartBox, detailBox, billBox, bookingBox]) box.replaceChildren();
    clearRoutes();
    return;
  }
  const recommended = groups.find((g) => g.variants.some((v) => v.labels.includes("recommended")));
  const first = recommended || sorted()[0];
  choose(first, first.shown, false);
}

/** Sort the cards (and the chart's order) by ``sort``; show money in ``currency``. */
export function setView(sort, currency) {
  view.sort = sort;
  view.currency = currency;
  if (!chosen) return;
  choose(chosen.group, chosen.variant, false);
}

/** Relabel after a language switch. */
export function relabelOptions() {
  if (!quote) return;
  validity.textContent = t("quote.expires", { when: when(quote.expires_at) });
  if (chosen) choose(chosen.group, chosen.variant, false);
}

/** Forget the shown quote (a new request is on its way). */
export function clearOptions() {
  quote = null;
  groups = [];
  chosen = null;
  for (const box of [optionsBox, chartBox, detailBox, billBox, bookingBox]) box.replaceChildren();
  validity.textContent = "";
  clearRoutes();
}

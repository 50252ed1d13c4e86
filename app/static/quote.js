// The quote page: POST /v1/quotes, the options side by side, each route on the map, the selected
// option's itemized bill, and booking it with an Idempotency-Key.

import { clearProblem, download, post, showProblem } from "./api.js";
import { language, onSwitch, t } from "./i18n.js";
import { clearRoutes, drawRoutes, focus, locationById } from "./map.js";

const form = document.getElementById("quote-form");
const problemBox = document.getElementById("quote-problem");
const optionsBox = document.getElementById("quote-options");
const billBox = document.getElementById("quote-bill");
const status = document.getElementById("quote-status");

let quote = null;
let selected = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function localDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// a departure whose cut-off has passed must not be offered: today means now, not midnight
function readyValue(day) {
  return day === localDate(new Date()) ? new Date().toISOString() : day;
}

const money = (v) =>
  v.toLocaleString(language() === "zh" ? "zh-CN" : "en", { maximumFractionDigits: 0 });

function when(iso) {
  return iso.slice(0, 16).replace("T", " ") + " " + iso.slice(19);
}

function hours(value) {
  const days = Math.floor(value / 24);
  return `${days} ${t("unit.d")} ${Math.round(value - 24 * days)} ${t("unit.h")}`;
}

// the name without its parenthesis: "Qinzhou Port (Dalanping, …)" is "Qinzhou Port" on a card
function placeName(id) {
  const place = locationById(id);
  if (!place) return id;
  const name = (language() === "zh" && place.name_zh) || place.name;
  return name.split(/\s*[(（]/)[0];
}

function renderOptions() {
  optionsBox.replaceChildren();
  if (!quote) return;
  status.textContent = quote.options.length
    ? t("quote.options", { n: quote.options.length })
    : t("quote.none");
  for (const reason of quote.reasons) optionsBox.append(el("div", reason.message, "reason"));
  for (const option of quote.options) {
    const card = el("article", undefined, "option");
    card.dataset.option = option.id;
    if (option.id === selected) card.classList.add("selected");
    const labels = el("div", undefined, "labels");
    for (const label of option.labels) labels.append(el("span", t(`label.${label}`), `label ${label}`));
    card.append(labels);
    const hubs = option.legs.features.map((f) => f.properties.to).slice(0, -1);
    const via = hubs.length
      ? t("quote.via", { places: hubs.map(placeName).join(" · ") })
      : t("quote.direct");
    card.append(el("div", via, "via"));
    card.lastChild.title = via; // clamped to three lines on the card
    const facts = el("dl");
    for (const [key, value, cls] of [
      ["quote.price", `${money(option.price.total_cny)} CNY`, "price"],
      ["quote.departure", when(option.departure)],
      ["quote.arrival", when(option.arrival)],
      ["quote.transit", hours(option.transit_hours)],
      ["quote.co2e", `${(option.co2e_kg / 1000).toFixed(2)} ${t("unit.t")}`],
      ["quote.transfers", String(option.transfers)],
    ]) {
      facts.append(el("dt", t(key)), el("dd", value, cls));
    }
    card.append(facts);
    const modes = el("div", undefined, "modes");
    for (const leg of option.legs.features) {
      modes.append(el("span", t(`mode.${leg.properties.mode}`), `mode ${leg.properties.mode}`));
    }
    card.append(modes);
    card.addEventListener("click", () => select(option.id));
    optionsBox.append(card);
  }
}

function renderBill() {
  billBox.replaceChildren();
  const option = quote?.options.find((o) => o.id === selected);
  if (!option) return;
  billBox.append(el("h3", t("quote.bill")));
  const table = el("table", undefined, "bill");
  const head = el("tr");
  for (const key of ["quote.item", "quote.quantity", "quote.amount"]) head.append(el("th", t(key)));
  table.append(head);
  for (const item of option.price.items) {
    const row = el("tr");
    const name = el("td");
    name.append(el("code", item.code), " ", item.description);
    if (item.estimate) name.append(el("span", t("quote.estimate"), "estimate"));
    row.append(
      name,
      el("td", `${item.quantity.toLocaleString()} ${t(`per.${item.unit}`)}`),
      el("td", `${money(item.amount_cny)} CNY`, "num"),
    );
    table.append(row);
  }
  const total = el("tr", undefined, "total");
  total.append(el("td", t("quote.total")), el("td", ""), el("td", `${money(option.price.total_cny)} CNY`, "num"));
  table.append(total);
  billBox.append(table);
  billBox.append(bookingForm(option));
}

// one Idempotency-Key per option, kept across re-renders: a retried or repeated click books once
const bookingKeys = new Map();
function bookingKey(quoteId, optionId) {
  const name = `${quoteId}/${optionId}`;
  if (!bookingKeys.has(name)) {
    // getRandomValues, unlike randomUUID, works on plain http to a host that is not localhost
    const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    bookingKeys.set(name, `console-${quoteId}-${optionId}-${random}`);
  }
  return bookingKeys.get(name);
}

// bookings made from this page, by quote and option
const bookings = new Map();

function showBooking(box, booking) {
  box.replaceChildren(el("strong", t("quote.booked", { waybill: booking.waybill_number })));
  const link = el("a", t("quote.waybill"));
  link.href = "#";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    download(`/v1/bookings/${booking.id}/waybill?format=html`, `${booking.waybill_number}.html`)
      .catch((err) => showProblem(box, err));
  });
  box.append(" ", link);
}

function bookingForm(option) {
  const box = el("form", undefined, "booking");
  const shipper = el("input");
  shipper.name = "shipper";
  shipper.required = true;
  shipper.value = "Chongqing Machinery Export Co.";
  const consignee = el("input");
  consignee.name = "consignee";
  consignee.required = true;
  consignee.value = "Laem Chabang Distribution Co., Ltd.";
  const label = (key, input) => {
    const wrap = el("label", t(key));
    wrap.append(input);
    return wrap;
  };
  const button = el("button", t("quote.book"));
  button.type = "submit";
  const result = el("div", undefined, "booked");
  const problem = el("div", undefined, "problem");
  problem.hidden = true;
  box.append(label("quote.shipper", shipper), label("quote.consignee", consignee), button, result, problem);
  const idempotencyKey = bookingKey(quote.id, option.id);
  const done = bookings.get(`${quote.id}/${option.id}`);
  if (done) {
    showBooking(result, done); // still shown after the page relabels itself
    button.disabled = true;
  }
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(problem);
    button.disabled = true;
    try {
      const booking = await post(
        "/v1/bookings",
        {
          quote_id: quote.id,
          option_id: option.id,
          shipper: { name: shipper.value },
          consignee: { name: consignee.value },
        },
        { "Idempotency-Key": idempotencyKey },
      );
      bookings.set(`${quote.id}/${option.id}`, booking);
      showBooking(result, booking);
    } catch (err) {
      showProblem(problem, err);
      button.disabled = false;
    }
  });
  return box;
}

function select(optionId) {
  selected = optionId;
  renderOptions();
  renderBill();
  drawRoutes(quote.options, selected);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearProblem(problemBox);
  const data = new FormData(form);
  const body = {
    origin: data.get("origin").trim().split(" ")[0],
    destination: data.get("destination").trim().split(" ")[0],
    ready: readyValue(data.get("ready")),
    cargo: {
      box: data.get("box"),
      count: Number(data.get("count")),
      cargo_class: data.get("cargo_class"),
    },
    preference: data.get("preference"),
  };
  status.textContent = t("quote.solving");
  optionsBox.replaceChildren();
  billBox.replaceChildren();
  clearRoutes();
  try {
    quote = await post("/v1/quotes", body);
  } catch (err) {
    quote = null;
    status.textContent = "";
    showProblem(problemBox, err);
    return;
  }
  const recommended = quote.options.find((o) => o.labels.includes("recommended"));
  focus("quote");
  if (quote.options.length) select((recommended || quote.options[0]).id);
  else renderOptions();
});

export function initQuote() {
  const ready = form.elements.ready;
  const soon = new Date(Date.now() + 3 * 86_400_000);
  ready.value = localDate(soon);
  ready.min = localDate(new Date());
  onSwitch(() => {
    if (!quote) return;
    renderOptions();
    renderBill();
  });
}

// "My quotes" and "My bookings": the organisation's latest quotes (GET /v1/quotes), each
// reopened in the form and results, and its bookings (GET /v1/bookings) with their waybills,
// each confirmed one with a way to cancel it.

import { get, permissions } from "./api.js";
import { cancelControl, cargoText, waybillLink } from "./booking.js";
import { money, optionCount, when } from "./format.js";
import { t } from "./i18n.js";
import { placeName } from "./places.js";

const quotesList = document.getElementById("my-quotes");
const bookingsList = document.getElementById("my-bookings");
const bookingsSaid = document.getElementById("my-bookings-status");
const SHOWN = 8;

let reopen = () => {};
let shown = { quotes: [], bookings: [] };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// a request's end: a location id, a city's name or code, or a door point
function endName(end) {
  return typeof end === "string" ? placeName(end) : `${end.lat}, ${end.lon}`;
}

function render() {
  quotesList.replaceChildren();
  if (!shown.quotes.length) quotesList.append(el("li", t("quote.mine.noquotes"), "note"));
  for (const quote of shown.quotes) {
    const item = el("li");
    const { origin, destination, cargo, ready } = quote.request;
    const prices = quote.options.map((option) => option.price.total_cny);
    const facts = [
      cargoText(cargo),
      t("quote.mine.ready", { day: ready.slice(0, 10) }),
      optionCount(quote.options.length),
      ...(prices.length ? [t("quote.mine.from", { price: money(Math.min(...prices), "CNY", 1) })] : []),
      when(quote.created_at),
    ];
    item.append(
      el("span", `${endName(origin)} → ${endName(destination)}`, "mine-route"),
      el("span", facts.join(" · "), "note"),
    );
    const open = el("button", t("quote.mine.reopen"), "reopen");
    open.type = "button";
    open.dataset.quote = quote.id;
    open.addEventListener("click", () => reopen(quote));
    item.append(open);
    quotesList.append(item);
  }
  bookingsList.replaceChildren();
  if (!shown.bookings.length) bookingsList.append(el("li", t("quote.mine.nobookings"), "note"));
  for (const booking of shown.bookings) {
    const item = el("li");
    const legs = booking.option.legs.features;
    item.append(
      el("span", `${booking.waybill_number} · ${t(`book.status.${booking.status}`)}`, "mine-route"),
      el(
        "span",
        `${placeName(legs[0].properties.from)} → ${placeName(legs[legs.length - 1].properties.to)} · ${when(booking.option.departure)}`,
        "note",
      ),
    );
    const consignee = el("span", booking.consignee.name ?? "", "note");
    consignee.translate = false; // a name as the user wrote it
    item.append(consignee, waybillLink(booking));
    if (booking.status === "confirmed") item.append(cancelControl(booking, bookingsSaid));
    bookingsList.append(item);
  }
}

/** Ask for the latest quotes and bookings and list them. */
export async function refreshLists() {
  try {
    const may = await permissions();
    // only what the key's role may read: a planner quotes but neither books nor lists bookings
    const list = (permission, path) =>
      may.has(permission) ? get(`${path}?limit=${SHOWN}`).then((page) => page.items) : [];
    const [quotes, bookings] = await Promise.all([
      list("quotes:read", "/v1/quotes"),
      list("bookings:read", "/v1/bookings"),
    ]);
    shown = { quotes, bookings };
    for (const part of document.querySelectorAll("[data-needs]")) {
      part.hidden = !may.has(part.dataset.needs);
    }
  } catch {
    return; // no key yet, or the service out of reach: the lists stay as they were
  }
  render();
}

/** ``open`` shows a listed quote again; the lists follow the language. */
export function initLists(open) {
  reopen = open;
  document.getElementById("mine-refresh").addEventListener("click", refreshLists);
}

export function relabelLists() {
  bookingsSaid.textContent = ""; // said once, in the language it was said in
  render();
}

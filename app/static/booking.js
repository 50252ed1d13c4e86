// Booking the chosen option safely: the shipper and consignee typed in (nothing filled in for
// them), a review of route, price and parties before anything is booked, one Idempotency-Key per
// option so a repeated click books once, and the confirmation brought into view with the through
// waybill opening in a tab of its own. A booking is cancelled from its confirmation or from "my
// bookings" after a question that says what cancelling does.

import { clearProblem, pageAddress, permissions, post, showInvalid, showProblem } from "./api.js";
import { money, when } from "./format.js";
import { t } from "./i18n.js";
import { placeName } from "./places.js";

const PARTY_FIELDS = ["name", "address", "contact"];

// what the user typed, by quote: kept when the page relabels itself or another option is chosen
const drafts = new Map();
// where each option's booking stands: "form", "review" or "done" (absent: not started)
const stages = new Map();
// bookings made from this page and their waybill pages, by quote and option
const bookings = new Map();
const waybills = new Map();
// one Idempotency-Key per option, kept across re-renders: a retried or repeated click books once
const bookingKeys = new Map();
// the confirmations on the page, by booking id: each redrawn when its booking is cancelled
const confirmations = new Map();

let refreshLists = () => {};

/** Call ``refresh`` after each booking (the "my bookings" list). */
export function onBooked(refresh) {
  refreshLists = refresh;
}

function bookingKey(name) {
  if (!bookingKeys.has(name)) {
    // getRandomValues, unlike randomUUID, works on plain http to a host that is not localhost
    const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
      b.toString(16).padStart(2, "0"),
    ).join("");
    bookingKeys.set(name, `console-${name.replace("/", "-")}-${random}`);
  }
  return bookingKeys.get(name);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(key, className, onClick, type = "button") {
  const node = el("button", t(key), className);
  node.type = type;
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

/** "1 × 45R1, reefer" (with the IMDG class of dangerous goods). */
export function cargoText(cargo = {}) {
  let text = `${cargo.count ?? 1} × ${cargo.box ?? "42G1"}, ${t(`class.${cargo.cargo_class ?? "dry"}`)}`;
  if (cargo.imdg) text += `, ${t("quote.imdg")} ${cargo.imdg}`;
  return text;
}

function draftOf(quoteId) {
  if (!drafts.has(quoteId)) {
    drafts.set(quoteId, {
      shipper: { name: "", address: "", contact: "" },
      consignee: { name: "", address: "", contact: "" },
      po: "",
    });
  }
  return drafts.get(quoteId);
}

function partyFields(role, draft, inputs) {
  const set = el("fieldset", undefined, "party");
  set.append(el("legend", t(`quote.${role}`)));
  for (const field of PARTY_FIELDS) {
    const label = el("label");
    label.append(el("span", t(`book.party.${field}`)));
    const input = field === "address" ? el("textarea") : el("input");
    if (field === "address") input.rows = 2;
    input.name = `${role}.${field}`;
    input.required = true;
    input.autocomplete = "off";
    input.value = draft[role][field];
    input.addEventListener("input", () => {
      draft[role][field] = input.value;
    });
    label.append(input);
    set.append(label);
    inputs[`body.${role}.${field}`] = input;
  }
  return set;
}

function route(variant, via) {
  const legs = variant.option.legs.features;
  const from = placeName(legs[0].properties.from);
  const to = placeName(legs[legs.length - 1].properties.to);
  return `${from} → ${to} (${via})`;
}

/** Show the booking step of ``variant`` (an option or another departure) of ``quote`` in
 * ``box``; ``via`` names its transfers. */
export function bookingPanel(box, quote, variant, via) {
  const name = `${quote.id}/${variant.id}`;
  const stage = stages.get(name);
  const draft = draftOf(quote.id);
  box.className = "booking";
  box.replaceChildren();
  const rerender = (next) => {
    stages.set(name, next);
    bookingPanel(box, quote, variant, via);
  };
  if (stage === "done") {
    confirmation(box, bookings.get(name), false);
    return;
  }
  if (stage === undefined) {
    const start = button("quote.book", "book", () => {
      rerender("form");
      box.querySelector("input")?.focus();
    });
    box.append(start);
    // a key whose role may not book (a planner's) is told so instead
    permissions().then(
      (may) => may.has("bookings:write") || start.replaceWith(el("p", t("book.notallowed"), "note")),
      () => {},
    );
    return;
  }
  const problem = el("div", undefined, "problem");
  problem.hidden = true;
  problem.setAttribute("role", "alert");
  if (stage === "form") {
    const form = el("form", undefined, "parties");
    form.noValidate = true; // the page names what is missing, in the user's language
    const inputs = {};
    form.append(el("h3", t("book.parties")));
    form.append(partyFields("shipper", draft, inputs), partyFields("consignee", draft, inputs));
    const reference = el("label");
    reference.append(el("span", t("book.po")));
    const po = el("input");
    po.name = "po";
    po.value = draft.po;
    po.addEventListener("input", () => {
      draft.po = po.value;
    });
    reference.append(po);
    form.append(reference, problem);
    const actions = el("div", undefined, "actions");
    actions.append(button("book.review", "to-review", null, "submit"), button("book.cancel", "secondary", () => {
      stages.delete(name);
      bookingPanel(box, quote, variant, via);
      box.querySelector("button")?.focus();
    }));
    form.append(actions);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const missing = Object.values(inputs)
        .filter((input) => !input.value.trim())
        .map((input) => [input, t("problem.msg.required")]);
      if (missing.length) {
        showInvalid(problem, missing);
        return;
      }
      rerender("review");
      box.querySelector(".review h3")?.focus();
    });
    box.append(form);
    return;
  }
  // review: what will be booked, then confirm or go back
  const review = el("section", undefined, "review");
  const heading = el("h3", t("book.check"));
  heading.tabIndex = -1;
  review.append(heading);
  const facts = el("dl");
  const rate = variant.option.price.usd_rate;
  const party = (p) => [p.name, p.address, p.contact].filter(Boolean).join(" · ");
  for (const [key, value, typed] of [
    ["book.route", route(variant, via)],
    ["quote.departure", when(variant.departure)],
    ["quote.arrival", when(variant.arrival)],
    ["book.cargo", cargoText(quote.request.cargo)],
    ["quote.price", `${money(variant.price_cny, "CNY", rate)} (${money(variant.price_cny, "USD", rate)})`],
    ["quote.shipper", party(draft.shipper), true],
    ["quote.consignee", party(draft.consignee), true],
    ...(draft.po ? [["book.po", draft.po, true]] : []),
  ]) {
    const shown = el("dd", value);
    if (typed) shown.translate = false; // names and addresses as the user wrote them
    facts.append(el("dt", t(key)), shown);
  }
  review.append(facts);
  const confirm = button("book.confirm", "confirm", async () => {
    clearProblem(problem);
    confirm.disabled = true;
    try {
      const booking = await post(
        "/v1/bookings",
        {
          quote_id: quote.id,
          option_id: variant.id,
          shipper: trimmed(draft.shipper),
          consignee: trimmed(draft.consignee),
          references: draft.po.trim() ? { po: draft.po.trim() } : {},
        },
        { "Idempotency-Key": bookingKey(name) },
      );
      bookings.set(name, booking);
      stages.set(name, "done");
      box.replaceChildren();
      confirmation(box, booking, true);
      refreshLists();
    } catch (err) {
      showProblem(problem, err, { retry: () => confirm.click() });
      confirm.disabled = false;
    }
  });
  const actions = el("div", undefined, "actions");
  actions.append(confirm, button("book.change", "secondary", () => {
    rerender("form");
    box.querySelector("input")?.focus();
  }));
  review.append(actions, problem);
  box.append(review);
}

function trimmed(party) {
  return Object.fromEntries(PARTY_FIELDS.map((field) => [field, party[field].trim()]));
}

/** A link that opens ``booking``'s waybill in a new tab (its page fetched with the key). */
export function waybillLink(booking) {
  const link = el("a", t("quote.waybill"), "waybill");
  link.target = "_blank";
  link.rel = "noopener";
  link.setAttribute("aria-disabled", "true");
  const ready = waybills.get(booking.id) ?? pageAddress(`/v1/bookings/${booking.id}/waybill?format=html`);
  waybills.set(booking.id, ready);
  ready.then(
    (address) => {
      link.href = address;
      link.removeAttribute("aria-disabled");
    },
    () => {
      waybills.delete(booking.id); // asked again next time
      link.textContent = t("book.waybill.failed");
    },
  );
  return link;
}

// the booking done: said to screen readers, brought into view and focused; a cancelled one says so
function confirmation(box, booking, announce) {
  const done = el("div", undefined, "booked");
  done.setAttribute("role", "status");
  done.tabIndex = -1;
  // redrawn in place, so that the live region says what changed
  const show = (current, justCancelled) => {
    const cancelled = current.status === "cancelled";
    const key = justCancelled ? "book.cancel.done" : cancelled ? "book.cancelled" : "quote.booked";
    done.replaceChildren(el("strong", t(key, { waybill: current.waybill_number })), " ", waybillLink(current));
    if (!cancelled) done.append(" ", cancelControl(current));
  };
  show(booking, false);
  box.append(done);
  confirmations.set(booking.id, (changed) => {
    for (const [name, kept] of bookings) if (kept.id === changed.id) bookings.set(name, changed);
    const hadFocus = done.contains(document.activeElement);
    show(changed, true);
    if (hadFocus) done.focus();
  });
  if (announce) {
    done.scrollIntoView({ block: "center" });
    done.focus();
  }
}

/**
 * A button that cancels ``booking`` after asking: the question says what cancelling does, "keep"
 * takes the focus (a second Enter does not cancel). Its confirmation on this page says the
 * outcome; ``said``, a live region, says it too (where the control itself is redrawn away) and
 * takes the focus. "My bookings" follows.
 */
export function cancelControl(booking, said = null) {
  const control = el("span", undefined, "cancel-booking");
  const start = button("book.cancel.start", "secondary cancel-start", () => ask());
  control.append(start);
  const ask = () => {
    const group = el("span", undefined, "cancel-ask");
    group.setAttribute("role", "group");
    const question = el("span", t("book.cancel.ask", { waybill: booking.waybill_number }));
    question.id = `cancel-question-${booking.id}`;
    group.setAttribute("aria-labelledby", question.id);
    const problem = el("span", undefined, "problem");
    problem.hidden = true;
    problem.setAttribute("role", "alert");
    const keep = button("book.cancel.keep", "secondary cancel-keep", () => {
      control.replaceChildren(start);
      start.focus();
    });
    const confirm = button("book.cancel.confirm", "confirm cancel-confirm", async () => {
      clearProblem(problem);
      confirm.disabled = true;
      try {
        const cancelled = await post(`/v1/bookings/${booking.id}/cancel`);
        confirmations.get(booking.id)?.(cancelled);
        if (said) {
          said.textContent = t("book.cancel.done", { waybill: booking.waybill_number });
          said.tabIndex = -1;
          said.focus();
        }
        refreshLists();
      } catch (err) {
        showProblem(problem, err, { retry: () => confirm.click() });
        confirm.disabled = false;
      }
    });
    group.append(question, " ", confirm, " ", keep, problem);
    control.replaceChildren(group);
    keep.focus();
  };
  return control;
}

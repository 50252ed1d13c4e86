// Small builders of DOM nodes the console's modules share.

import { language, onSwitch, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";

/** An HTML element with its text and class. */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** An SVG element with its attributes and text. */
export function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** ``control`` inside a label that reads ``t(labelKey)``; a date's day said in words beside. */
export function field(labelKey, control) {
  const label = el("label");
  label.append(el("span", t(labelKey)), control);
  if (control.type === "date") sayDay(control);
  return label;
}

// every day said in words on the page, redrawn when the language switches
const saidDays = new Set();
let saidCount = 0; // for ids that stay unique as days come and go
onSwitch(() => sayDays());

/**
 * Say the day ``input`` holds (2027-03-01) in words in the console's language beside it: a
 * native date picker writes the day in the browser's own locale, whatever the page's language,
 * and a typed day is easily misread. The words follow each edit; ``sayDays`` redraws them after
 * a script sets the value.
 */
export function sayDay(input) {
  const words = el("span", "", "note date-words");
  saidCount += 1;
  words.id = `${input.name || "day"}-words-${saidCount}`;
  input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${words.id}`.trim());
  input.after(words);
  const update = () => {
    const value = input.value.trim();
    const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : null;
    const locale = language() === "zh" ? "zh-CN" : "en-GB";
    input.lang = locale;
    words.textContent =
      day && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value)
        ? day.toLocaleDateString(locale, { weekday: "long", year: "numeric", month: "long", day: "numeric", timeZone: "UTC" })
        : "";
  };
  input.addEventListener("input", update);
  input.addEventListener("change", update);
  saidDays.add({ input, update });
  update();
  return input;
}

/** Redraw every day said in words (after a script set the fields; forgets removed ones). */
export function sayDays() {
  for (const said of saidDays) {
    if (said.input.isConnected) said.update();
    else saidDays.delete(said);
  }
}

// Small builders of DOM nodes the planner's modules share.

import { t } from "./i18n.js";

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

/** ``control`` inside a label that reads ``t(labelKey)``. */
export function field(labelKey, control) {
  const label = el("label");
  label.append(el("span", t(labelKey)), control);
  return label;
}

// How the quote view writes days, times, money, durations and counts: one date format per language, the
// same in the form's fields (2026-12-15) and on the cards (2026-12-15 Tue 20:00 UTC+8).

import { language, t } from "./i18n.js";

const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MOMENT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** ``date`` (local) as the fields write a day: 2026-12-15. */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The calendar day a field holds, or null if it is not a real day written 2026-12-15. */
export function readDay(text) {
  const value = text.trim();
  if (!DAY.test(value)) return null;
  const day = new Date(`${value}T00:00:00`);
  return Number.isNaN(day.getTime()) || isoDay(day) !== value ? null : day;
}

function weekday(day) {
  return t(`day.${WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()]}`);
}

/** A local time with its offset as the place keeps it: 2026-12-15 Tue 20:00 UTC+8. */
export function when(iso) {
  const match = MOMENT.exec(iso || "");
  if (!match) return iso || "";
  const [, day, time, offset] = match;
  let zone = "";
  if (offset === "Z") zone = "UTC";
  else if (offset) zone = `UTC${offset.replace(/:00$/, "").replace(/^([+-])0/, "$1")}`;
  return `${day} ${weekday(day)} ${time} ${zone}`.trim();
}

/** ``cny`` in the chosen currency: 17,886 CNY, or 2,560 USD at the quote's rate. */
export function money(cny, currency, usdRate) {
  const value = currency === "USD" ? cny / usdRate : cny;
  const digits = value.toLocaleString(language() === "zh" ? "zh-CN" : "en", {
    maximumFractionDigits: 0,
  });
  return `${digits} ${currency}`;
}

/** 253 h as 10 d 13 h (10 天 13 小时). */
export function duration(hours) {
  const days = Math.floor(hours / 24);
  return `${days} ${t("unit.d")} ${Math.round(hours - 24 * days)} ${t("unit.h")}`;
}

/** CO2e in tonnes: 1.06 t (1.06 吨). */
export function tonnes(kg) {
  return `${(kg / 1000).toFixed(2)} ${t("unit.t")}`;
}

/** "3 options", "1 option" or "No option found." */
export function optionCount(n) {
  if (!n) return t("quote.none");
  return n === 1 ? t("quote.options.one") : t("quote.options", { n });
}

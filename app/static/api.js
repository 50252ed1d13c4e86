// The public /v1 API with the key the user pasted (kept in localStorage), and its problems.

import { hasLabel, language, t } from "./i18n.js";

const STORE = "corridor.key";

export function apiKey() {
  return localStorage.getItem(STORE) || "";
}

export function setApiKey(key) {
  localStorage.setItem(STORE, key.trim());
}

/** An RFC 9457 problem, or a failure to reach the service. */
export class Problem extends Error {
  constructor(body) {
    super(body.detail || body.title);
    this.body = body;
  }
}

/** ``method path`` with a JSON body; the parsed answer, or throws a Problem. */
export async function call(method, path, { body, headers = {}, raw = false } = {}) {
  const key = apiKey();
  if (!key) throw new Problem({ title: t("key.missing"), status: 401 });
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new Problem({ title: t("problem.network"), detail: String(err), status: 0 });
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText, status: response.status };
    }
    throw new Problem(problem);
  }
  if (raw) return response;
  return response.json();
}

export const get = (path) => call("GET", path);
export const post = (path, body, headers) => call("POST", path, { body, headers });
export const patch = (path, body) => call("PATCH", path, { body });

/** Download ``path`` (which needs the key, so a plain link cannot) as ``filename``. */
export async function download(path, filename) {
  const response = await call("GET", path, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

let asked = { key: null, permissions: null };

/** What the current key may do (GET /v1/me: "quotes:write", "bookings:read", ...), asked once
 * per key, so that the page does not offer, or ask for, what the key's role may not. */
export function permissions() {
  const key = apiKey();
  if (asked.key !== key) {
    asked = {
      key,
      permissions: get("/v1/me").then(
        (me) => new Set(me.permissions),
        (err) => {
          asked = { key: null, permissions: null }; // asked again next time
          throw err;
        },
      ),
    };
  }
  return asked.permissions;
}

/** Keep ``key``, which GET /v1/me answered with ``me``: what it may do is known without asking
 * again, and the page's views hear of it (the "corridor:key" event). */
export function acceptKey(key, me) {
  setApiKey(key);
  asked = { key, permissions: Promise.resolve(new Set(me.permissions)) };
  document.dispatchEvent(new CustomEvent("corridor:key"));
}

/** A ``blob:`` address of ``path``'s answer, for a link that opens it in a tab of its own (the
 * path needs the key, so a plain link to it cannot). */
export async function pageAddress(path) {
  const response = await call("GET", path, { raw: true });
  return URL.createObjectURL(await response.blob());
}

// what the service's field messages say, in the user's words (the first pattern that matches)
const MESSAGES = [
  [/^no place '(.*)'/, "problem.msg.noplace"],
  [/greater than or equal to (-?[\d.]+)/, "problem.msg.min"],
  [/less than or equal to (-?[\d.]+)/, "problem.msg.max"],
  [/greater than (-?[\d.]+)/, "problem.msg.above"],
  [/IMDG class/, "problem.msg.imdg"],
  [/reefer box/, "problem.msg.reefer"],
  [/^Field required/, "problem.msg.required"],
  [/valid|ISO 8601|not a date|cannot be read/i, "problem.msg.format"],
];

/** The API's ``message`` about a field in the current language. */
export function fieldMessage(message) {
  for (const [pattern, key] of MESSAGES) {
    const match = pattern.exec(message || "");
    if (match) return t(key, { value: match[1] ?? "" });
  }
  // a message without a translation: English shows it, 中文 says the value was refused
  return language() === "zh" ? t("problem.msg.invalid") : message;
}

/** What a field is called on the page: its label's text. */
function labelOf(input) {
  const label = input.labels?.[0] ?? input.closest("label");
  const named = label?.querySelector("[data-i18n], span") ?? label;
  const own = (named?.textContent || input.getAttribute("aria-label") || input.name).trim();
  // a field of a group (the shipper's name) says whose it is
  const group = input.closest("fieldset")?.querySelector("legend")?.textContent.trim();
  return group ? `${group} · ${own}` : own;
}

// the status line of a problem without field errors: by its type (app/problem_types.py) where
// the page has words for it
function statusText(body) {
  if (body.status === 0) return t("problem.network");
  if (!body.type && body.title) return body.title; // made here (no key yet), already in words
  const known = { 401: "problem.status.key", 403: "problem.status.forbidden", 429: "problem.status.busy" };
  if (known[body.status]) return t(known[body.status]);
  const typed = `problem.type.${String(body.type).split("/").pop()}`;
  if (hasLabel(typed)) return t(typed);
  if (body.status >= 500) return t("problem.status.server");
  return language() === "zh" ? t("problem.title") : body.title || t("problem.title");
}

// the box's content: a status line, then one line per field problem
function fill(box, heading, lines) {
  clearProblem(box);
  box.hidden = false;
  const title = document.createElement("strong");
  title.textContent = heading;
  box.append(title);
  if (!lines.length) return;
  const list = document.createElement("ul");
  for (const [input, text, code] of lines) {
    const item = document.createElement("li");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      box.marked.push(input);
      item.textContent = `${labelOf(input)}${language() === "zh" ? "：" : ": "}${text}`;
    } else {
      const name = document.createElement("code");
      name.textContent = code;
      item.append(name, ` ${text}`);
    }
    list.append(item);
  }
  box.append(list);
}

/**
 * Show ``error`` in ``box`` in the user's words.
 *
 * ``fields`` maps the API's field names (``body.cargo.cargo_class``) to the form's inputs: each
 * problem is named by the input's label and the input is marked invalid. An error the page wrote
 * itself says so (``inWords``): its message is shown as it is. ``retry`` adds a
 * button to try again when the service did not answer.
 */
export function showProblem(box, error, { fields = {}, retry } = {}) {
  const body = error instanceof Problem ? error.body : { title: String(error) };
  const errors = body.errors || [];
  fill(
    box,
    errors.length ? t("problem.check") : statusText(body),
    errors.map((problem) => [
      fields[problem.field],
      problem.inWords ? problem.message : fieldMessage(problem.message),
      [problem.field, problem.item].filter(Boolean).join(" "),
    ]),
  );
  if (body.detail && !errors.length && body.status !== 0 && language() === "en") {
    const detail = document.createElement("div");
    detail.textContent = body.detail;
    box.append(detail);
  }
  if (body.status === 0 && retry) {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "retry";
    again.textContent = t("problem.retry");
    again.addEventListener("click", retry);
    box.append(" ", again);
  }
}

/** Show what the page found wrong before asking: ``found`` is ``[input, text]`` pairs. */
export function showInvalid(box, found) {
  fill(box, t("problem.check"), found);
  found[0]?.[0]?.focus();
}

export function clearProblem(box) {
  for (const input of box.marked || []) input.removeAttribute("aria-invalid");
  box.marked = [];
  box.hidden = true;
  box.replaceChildren();
}

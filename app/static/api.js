// The public /v1 API with the key the user pasted (kept in localStorage), and its problems.

import { t } from "./i18n.js";

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

/** Show ``error`` in ``box``: the problem's title, detail and each invalid field. */
export function showProblem(box, error) {
  box.replaceChildren();
  box.hidden = false;
  const body = error instanceof Problem ? error.body : { title: String(error) };
  const title = document.createElement("strong");
  title.textContent = body.status ? `${body.title} (${body.status})` : body.title || t("problem.title");
  box.append(title);
  const fields = body.errors || [];
  if (body.detail && !fields.length) {
    const detail = document.createElement("div");
    detail.textContent = body.detail;
    box.append(detail);
  }
  if (fields.length) {
    const list = document.createElement("ul");
    for (const field of fields) {
      const item = document.createElement("li");
      const name = document.createElement("code");
      name.textContent = [field.field, field.item].filter(Boolean).join(" ");
      item.append(name, ` ${field.message}`);
      list.append(item);
    }
    box.append(list);
  }
}

export function clearProblem(box) {
  box.hidden = true;
  box.replaceChildren();
}

// The admin's imports: a CSV file of reference data or of sale records sent from the browser with a bar of
// the upload's progress, then what the server did with it: lines added, changed and unchanged, and each
// rejected line with its reason in the user's language. A file refused whole (another kind's header, not
// UTF-8) imports nothing, and the screen names its first bad line.

import { OK, h, notice, problem, t } from "./kit.js";
import { field, warn } from "./admin-shared.js";

// Rejected lines drawn on the screen; a file with more offers them all as a download.
const SHOWN = 200;

export class ImportsTab {
  constructor({ api }) {
    this.api = api;
    this.kinds = null;
    this.kind = "install-base";
    this.last = null; // the last import's {kind, file, body}: drawn again in another language
    this.refusal = null; // the last whole-file refusal, likewise
    this.root = h("div", { class: "admin-imports", "data-testid": "admin-imports" });
  }

  async render() {
    if (!this.kinds) {
      const answer = await this.api.get("/api/admin/import");
      if (answer.kind !== OK) {
        this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(answer)));
        return this.root;
      }
      this.kinds = answer.body;
    }
    this.note = notice();
    this.progress = h("progress", { max: 100, value: 0, "data-testid": "upload-progress", "aria-labelledby": "upload-status" });
    this.status = h("span", { id: "upload-status", "data-testid": "upload-status" }, t("admin.import.progress"));
    this.bar = h("div", { class: "upload", hidden: true }, this.status, this.progress);
    this.results = h("div", { class: "import-result" });
    this.root.replaceChildren(this.form(), this.bar, this.note.element, this.results);
    if (this.refusal) {
      this.bar.hidden = false;
      this.showRefusal(this.refusal);
    } else if (this.last) {
      this.bar.hidden = false;
      this.progress.value = 100;
      this.status.textContent = t("admin.import.done");
      this.showResult(this.last);
    }
    return this.root;
  }

  form() {
    const choose = h(
      "select",
      { name: "kind", id: "import-kind" },
      this.kinds.map((each) => h("option", { value: each.kind, selected: each.kind === this.kind }, t(`admin.kind.${each.kind}`))),
    );
    const about = h("p", { class: "hint", "data-testid": "kind-hint" }, t(`admin.kindHint.${this.kind}`));
    choose.addEventListener("change", () => {
      this.kind = choose.value;
      about.textContent = t(`admin.kindHint.${this.kind}`);
    });
    this.file = h("input", { type: "file", name: "file", id: "import-file", accept: ".csv,text/csv" });
    const send = h("button", { type: "submit", class: "primary", "data-action": "import" }, t("admin.import.submit"));
    const template = h("button", { type: "button", "data-action": "template", onclick: () => this.template() }, t("admin.import.template"));
    const form = h(
      "form",
      { novalidate: true, class: "import-form", "aria-label": t("admin.import.title") },
      h("h2", {}, t("admin.import.title")),
      field(t("admin.import.kind"), choose),
      about,
      field(t("admin.import.file"), this.file, t("admin.import.fileHint")),
      h("div", { class: "buttons" }, send, template),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (send.disabled) {
        return;
      }
      send.disabled = true;
      try {
        await this.send();
      } finally {
        send.disabled = false;
      }
    });
    return form;
  }

  chosen() {
    return this.kinds.find((each) => each.kind === this.kind);
  }

  // An empty file of the chosen kind: its header line, to fill in.
  template() {
    const kind = this.chosen();
    const blob = new Blob([`${[...kind.columns, ...(kind.optional ?? [])].join(",")}\r\n`], { type: "text/csv" });
    const link = h("a", { href: URL.createObjectURL(blob), download: `${this.kind}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async send() {
    const file = this.file.files[0];
    this.note.clear();
    if (!file) {
      warn(this.note, t("admin.import.chooseFile"));
      return;
    }
    const kind = this.chosen();
    this.last = null;
    this.refusal = null;
    this.results.replaceChildren();
    this.bar.hidden = false;
    this.progress.value = 0;
    this.status.textContent = t("admin.import.uploading", { percent: 0 });
    const answer = await upload(this.api, kind.path, file, (share) => {
      const percent = Math.round(share * 100);
      this.progress.value = percent;
      this.status.textContent = percent < 100 ? t("admin.import.uploading", { percent }) : t("admin.import.checking");
    });
    if (answer.kind === OK) {
      this.progress.value = 100;
      this.status.textContent = t("admin.import.done");
      this.last = { kind: kind.kind, file: file.name, body: answer.body };
      this.showResult(this.last);
      return;
    }
    this.refusal = { kind: kind.kind, file: file.name, answer };
    this.showRefusal(this.refusal);
  }

  showRefusal({ file, answer }) {
    this.status.textContent = t("admin.import.refused", { file });
    this.bar.classList.add("refused");
    this.note.element.className = "notice error";
    this.note.element.setAttribute("role", "alert");
    this.note.element.textContent = refusal(answer);
  }

  showResult({ kind, file, body }) {
    const figure = (key, count, testId) => h("div", { class: "figure", "data-testid": testId }, h("span", {}, t(key)), h("strong", {}, String(count)));
    const rejected = body.rejected;
    this.note.ok(t("admin.import.summary", { file, kind: t(`admin.kind.${kind}`), count: body.inserted + body.updated + body.unchanged }));
    this.results.replaceChildren(
      h(
        "div",
        { class: "figures" },
        figure("admin.import.inserted", body.inserted, "import-inserted"),
        figure("admin.import.updated", body.updated, "import-updated"),
        figure("admin.import.unchanged", body.unchanged, "import-unchanged"),
        figure("admin.import.rejected", rejected.length, "import-rejected"),
      ),
      rejected.length ? this.rejectedLines(rejected, file) : h("p", { class: "all-good" }, t("admin.import.noneRejected")),
    );
  }

  rejectedLines(rejected, file) {
    const rows = rejected.slice(0, SHOWN).map((each) =>
      h("tr", { "data-line": each.line }, h("td", { class: "num" }, String(each.line)), h("td", {}, reason(each))),
    );
    const download = h("button", { type: "button", "data-action": "download-rejected", onclick: () => downloadRejected(rejected, file) }, t("admin.import.downloadRejected"));
    return h(
      "section",
      { class: "rejected" },
      h("h3", {}, t("admin.import.rejectedTitle", { count: rejected.length })),
      rejected.length > SHOWN ? h("p", { class: "hint" }, t("admin.import.firstShown", { shown: SHOWN, count: rejected.length })) : null,
      h(
        "div",
        // A box that scrolls when the lines are many, reachable from the keyboard to do so.
        { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("admin.import.rejectedTitle", { count: rejected.length }) },
        h(
          "table",
          { class: "desk-table", "data-testid": "rejected-lines" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, t("admin.import.line")), h("th", { scope: "col" }, t("admin.import.reason")))),
          h("tbody", {}, rows),
        ),
      ),
      download,
    );
  }
}

// Why one line was not imported, in the user's language where the app knows the code, else the server's words.
export function reason(rejected) {
  const details = rejected.details ?? {};
  // The server's sentence too: a value refused by a rule is best told in the rule's own words.
  const params = { ...details, error: rejected.error };
  if (details.fields) {
    params.columns = Object.keys(details.fields).join(", ");
  }
  const key = `admin.rejected.${rejected.code}`;
  return t(key) === key ? rejected.error : t(key, params);
}

// Why a file was refused whole (nothing of it imported), naming its first bad line where the server did.
export function refusal(answer) {
  const details = answer.details ?? {};
  switch (answer.code) {
    case "missing_columns":
      return t("admin.refused.missing_columns", { missing: (details.missing ?? []).join(", ") });
    case "not_utf8":
    case "malformed_csv":
      return t(`admin.refused.${answer.code}`, { line: details.line ?? "?" });
    case "empty_file":
    case "payload_too_large":
      return t(`admin.refused.${answer.code}`);
    default:
      return `${problem(answer)} ${t("admin.refused.nothing")}`;
  }
}

function downloadRejected(rejected, file) {
  const quote = (text) => `"${String(text).replaceAll('"', '""')}"`;
  const lines = [[t("admin.import.line"), t("admin.import.reason")].map(quote).join(",")];
  for (const each of rejected) {
    lines.push([each.line, reason(each)].map(quote).join(","));
  }
  // A byte order mark, so that a spreadsheet opens the Chinese reasons as UTF-8.
  const blob = new Blob(["\ufeff", lines.join("\r\n"), "\r\n"], { type: "text/csv" });
  const link = h("a", { href: URL.createObjectURL(blob), download: `${file.replace(/\.csv$/i, "")}-rejected.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// POST a file as the form field `file`, telling `onProgress(share)` how much of it has gone up: fetch reports
// no upload progress, XMLHttpRequest does. The answer has the shape of Api.request's (../api.js).
export async function upload(api, path, file, onProgress) {
  const token = await api.getToken();
  if (!token) {
    return { kind: "login", status: 401, code: "no_token" };
  }
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", `${api.baseUrl}${path}`);
    request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total > 0) {
        onProgress(event.loaded / event.total);
      }
    });
    // Every byte is sent; the server now checks and stores the lines.
    request.upload.addEventListener("load", () => onProgress(1));
    request.addEventListener("error", () => resolve({ kind: "retry", status: 0, code: "network" }));
    request.addEventListener("abort", () => resolve({ kind: "retry", status: 0, code: "network" }));
    request.addEventListener("load", () => {
      const { status } = request;
      let body;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (status === 401) {
        resolve({ kind: "login", status, code: body?.error?.code ?? "unauthorized" });
      } else if (status >= 200 && status < 300 && body !== undefined) {
        onProgress(1);
        resolve({ kind: OK, status, body });
      } else if (status >= 500 || status === 408 || status === 429 || body === undefined) {
        resolve({ kind: "retry", status, code: body?.error?.code ?? `http_${status}` });
      } else {
        const error = body.error ?? {};
        resolve({ kind: "error", status, code: error.code ?? `http_${status}`, message: error.message ?? "", details: error.details ?? {} });
      }
    });
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

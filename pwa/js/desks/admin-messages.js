// The admin's view of the messages sent to customers' phones (the completion code today): the outbox, newest
// first, filtered by kind, status and job number in the address (#/admin/messages?status=failed&job=J...),
// each with the text sent, the phone, the backend that carried it, and each delivery's attempts and last error.

import { OK, h, problem, setQuery, t, time } from "./kit.js";
import { named, pager } from "./admin-shared.js";

const PAGE = 50;
export const KINDS = ["completion_code", "campaign"];
export const STATUSES = ["pending", "sent", "failed"];

// The query the list asks the server for, from the address: only what the server takes.
export function messageQuery(query) {
  const asked = { per_page: PAGE, page: Math.max(1, Number(query.get("page")) || 1) };
  const kind = query.get("kind");
  const status = query.get("status");
  const job = (query.get("job") ?? "").trim();
  if (KINDS.includes(kind)) {
    asked.kind = kind;
  }
  if (STATUSES.includes(status)) {
    asked.status = status;
  }
  if (job) {
    asked.job_number = job.slice(0, 32);
  }
  return asked;
}

// Where a message stands, in the admin's words: sent (when), waiting for its next attempt, or given up.
export function deliveryText(message) {
  switch (message.status) {
    case "sent":
      return t("admin.messages.sentAt", { time: time(message.sent_at) });
    case "pending":
      return message.next_attempt_at
        ? t("admin.messages.retryAt", { attempts: message.attempts, time: time(message.next_attempt_at) })
        : t("admin.messages.waiting");
    case "failed":
      return t("admin.messages.gaveUp", { attempts: message.attempts, error: message.last_error || "—" });
    default:
      return message.status;
  }
}

export class MessagesTab {
  constructor({ api, query }) {
    this.api = api;
    this.query = query;
    this.root = h("div", { class: "admin-messages", "data-testid": "admin-messages" });
  }

  async render() {
    const asked = messageQuery(this.query);
    const answer = await this.api.get("/api/admin/messages", asked);
    const filters = this.filters();
    if (answer.kind !== OK) {
      this.root.replaceChildren(filters, h("p", { class: "notice error", role: "alert" }, problem(answer)));
      return this.root;
    }
    const rows = answer.body.items.map((message) =>
      h(
        "tr",
        { "data-message-id": message.id, "data-status": message.status },
        h("td", {}, h("time", { datetime: message.created_at }, time(message.created_at))),
        h("td", {}, named(`admin.messages.kind.${message.kind}`, message.kind)),
        h("td", {}, message.job_number ?? "—"),
        h("td", {}, message.recipient),
        h("td", { class: "message-body" }, message.body),
        h("td", {}, h("span", { class: `state message-${message.status}` }, named(`admin.messages.status.${message.status}`, message.status)), h("br"), h("small", {}, deliveryText(message))),
        h("td", {}, named(`admin.messages.backend.${message.backend}`, message.backend)),
      ),
    );
    const headings = ["created", "kind", "job", "to", "body", "status", "backend"].map((name) => h("th", { scope: "col" }, t(`admin.messages.col.${name}`)));
    const list = rows.length
      ? h(
          "div",
          { class: "table-scroll", tabindex: 0, role: "region", "aria-label": t("admin.messages.title") },
          h("table", { class: "desk-table", "data-testid": "messages" }, h("thead", {}, h("tr", {}, headings)), h("tbody", {}, rows)),
        )
      : h("p", { class: "empty", "data-testid": "messages-empty" }, t("admin.messages.none"));
    const { page, pages, total } = answer.body;
    this.root.replaceChildren(h("h2", {}, t("admin.messages.title")), filters, list, pager({ page, pages, total, go: (next) => setQuery({ page: next }, "#/admin/messages") }));
    return this.root;
  }

  filters() {
    const select = (name, all, values) => {
      const element = h(
        "select",
        { name, "data-filter": name, onchange: () => setQuery({ [name]: element.value, page: "" }, "#/admin/messages") },
        h("option", { value: "" }, all),
        values.map((value) => h("option", { value, selected: this.query.get(name) === value }, named(`admin.messages.${name}.${value}`, value))),
      );
      return element;
    };
    const job = h("input", { name: "job", type: "search", value: this.query.get("job") ?? "", maxlength: 32, autocomplete: "off" });
    return h(
      "form",
      {
        class: "filters",
        "aria-label": t("admin.messages.filters"),
        onsubmit: (event) => {
          event.preventDefault();
          setQuery({ job: job.value.trim(), page: "" }, "#/admin/messages");
        },
      },
      h("label", {}, t("admin.messages.col.kind"), select("kind", t("admin.messages.allKinds"), KINDS)),
      h("label", {}, t("admin.messages.col.status"), select("status", t("admin.messages.allStatuses"), STATUSES)),
      h("label", {}, t("admin.messages.jobNumber"), job),
      h("button", { type: "submit" }, t("admin.messages.find")),
    );
  }
}

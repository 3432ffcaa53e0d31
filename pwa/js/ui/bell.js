// The bell of every role: the unread count, and the list of notices each in the user's language (by its
// kind: the server's English sentence is never shown inside a Chinese screen), each opening its job or
// requisition. Online only: offline the bell shows what it last knew.

import { OK } from "../api.js";
import { noticeLink } from "../desks/registry.js";
import { t, when } from "../i18n/index.js";
import { h } from "./dom.js";

const EVERY_MS = 60_000;

export class Bell {
  // `onNews()`: called when the unread count rises (a new job, parts shipped...), so the app can sync at once
  // rather than at its next round.
  constructor({ api, user, onNews = () => {} }) {
    this.api = api;
    this.user = user;
    this.onNews = onNews;
    this.unread = 0;
    this.items = [];
    // The badge is seen; a screen reader hears "Notices, 2 unread" from the hidden words beside it.
    this.count = h("span", { class: "bell-count", "data-testid": "bell-count", "aria-hidden": "true", hidden: true });
    this.unreadWords = h("span", { class: "visually-hidden", "data-testid": "bell-unread" });
    this.button = h(
      "button",
      { type: "button", class: "bell", "aria-expanded": "false", "data-testid": "bell", onclick: () => this.toggle() },
      h("span", { class: "label" }, t("bell.title")),
      this.count,
      this.unreadWords,
    );
    this.panel = h("div", { class: "bell-panel", "data-testid": "bell-panel", hidden: true });
    this.root = h("div", { class: "bell-box" }, this.button, this.panel);
    this.timer = setInterval(() => this.load(), EVERY_MS);
    this.load();
  }

  async load() {
    const answer = await this.api.get("/api/notifications", { per_page: 20 });
    if (answer.kind !== OK) {
      return;
    }
    const news = this.loaded && answer.body.unread > this.unread;
    this.loaded = true;
    this.unread = answer.body.unread;
    this.items = answer.body.items;
    this.render();
    if (news) {
      this.onNews();
    }
  }

  render() {
    this.count.hidden = this.unread === 0;
    this.count.textContent = String(this.unread);
    this.count.dataset.count = String(this.unread);
    this.button.querySelector(".label").textContent = t("bell.title");
    this.unreadWords.textContent = t("bell.unread", { count: this.unread });
    if (this.panel.hidden) {
      return;
    }
    const readAll = h("button", { type: "button", "data-action": "read-all", onclick: () => this.readAll() }, t("bell.readAll"));
    this.panel.replaceChildren(
      h("h2", {}, t("bell.title")),
      this.items.length
        ? h(
            "ul",
            { "data-testid": "notices" },
            this.items.map((item) =>
              h(
                "li",
                { class: item.read_at ? "read" : "unread", dataset: { kind: item.kind, id: item.id } },
                h(
                  "a",
                  { href: noticeLink(this.user.role, item), onclick: () => this.open(item) },
                  h("span", {}, noticeText(item)),
                  h("time", { datetime: item.created_at }, when(item.created_at)),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, t("bell.none")),
      this.unread ? readAll : null,
    );
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    this.button.setAttribute("aria-expanded", String(!this.panel.hidden));
    this.render();
    if (!this.panel.hidden) {
      this.load();
    }
  }

  async open(item) {
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (!item.read_at) {
      const answer = await this.api.post(`/api/notifications/${item.id}/read`, {});
      if (answer.kind === OK) {
        item.read_at = answer.body.read_at;
        this.unread = Math.max(0, this.unread - 1);
      }
    }
    this.render();
  }

  async readAll() {
    const answer = await this.api.post("/api/notifications/read-all", {});
    if (answer.kind === OK) {
      await this.load();
    }
  }

  stop() {
    clearInterval(this.timer);
  }
}

// "notice.job_escalated" with the job's number; a kind the app does not know yet reads as a plain notice.
export function noticeText(item) {
  const key = `notice.${item.kind}`;
  const text = t(key, { number: item.job_number ?? "" });
  return text === key ? t("notice.other", { number: item.job_number ?? "" }) : text;
}

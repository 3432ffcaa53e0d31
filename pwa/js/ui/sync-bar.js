// The sync bar: what waits to upload, whether a sync is running, when the last one succeeded, and one line for
// what the server did not accept, opening the page that lists it (#/refused): the bar stays one line high.

import { t, when } from "../i18n/index.js";
import { h, once } from "./dom.js";

export class SyncBar {
  constructor(engine) {
    this.engine = engine;
    this.root = h("section", { class: "sync-bar", "aria-live": "polite", "data-testid": "sync-bar" });
    engine.addEventListener("status", (event) => this.render(event.detail));
    globalThis.addEventListener("online", () => this.render(engine.status));
    globalThis.addEventListener("offline", () => this.render(engine.status));
    this.render(engine.status);
  }

  render({ phase, pending, lastSuccess, rejected, problem }) {
    const line = [];
    if (!globalThis.navigator.onLine) {
      line.push(h("span", { class: "offline" }, t("sync.offline")));
    }
    line.push(h("span", { class: "pending", "data-testid": "pending", dataset: { count: pending } }, t("sync.pending", { count: pending })));
    if (phase !== "idle") {
      line.push(h("span", { class: "syncing" }, t("sync.syncing")));
    } else if (problem?.kind === "login") {
      line.push(h("a", { href: "#/login", class: "problem" }, t("sync.loginNeeded")));
    } else if (problem) {
      line.push(h("span", { class: "problem" }, t("sync.failed")));
    }
    line.push(
      h("span", { class: "last" }, lastSuccess ? t("sync.lastSuccess", { when: when(lastSuccess) }) : t("sync.never")),
    );
    if (rejected?.length) {
      line.push(
        h(
          "a",
          { href: "#/refused", class: "rejected", "data-testid": "rejected", dataset: { count: rejected.length } },
          t("refused.line", { count: rejected.length }),
        ),
      );
    }
    line.push(once(h("button", { type: "button", "data-testid": "sync-now" }, t("sync.now")), () => this.engine.sync().catch(() => {})));
    this.root.replaceChildren(h("div", { class: "line" }, line));
  }
}

// The sync bar: what waits to upload, whether a sync is running, when the last one succeeded, and what the
// server did not accept, with its reason.

import { t, when } from "../i18n/index.js";
import { h, once } from "./dom.js";

function reason({ code, message }) {
  const known = t(`reason.${code}`);
  if (known === `reason.${code}`) {
    return [h("span", { class: "reason" }, message || code)];
  }
  return [h("span", { class: "reason" }, known), " ", message ? h("small", { class: "detail" }, message) : null];
}

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
    line.push(once(h("button", { type: "button", "data-testid": "sync-now" }, t("sync.now")), () => this.engine.sync().catch(() => {})));
    const children = [h("div", { class: "line" }, line)];
    if (rejected?.length) {
      children.push(
        h(
          "details",
          { class: "rejected", "data-testid": "rejected", open: true },
          h("summary", {}, t("sync.rejected", { count: rejected.length })),
          h(
            "ul",
            {},
            rejected.map((op) =>
              h(
                "li",
                { dataset: { code: op.code } },
                h("strong", {}, t(`op.${op.type}`)),
                " ",
                // Why, in the technician's language where the code is a known one; the server's own sentence
                // beside it names the job and the details, in the words the dispatcher also sees.
                ...reason(op),
                " ",
                once(h("button", { type: "button" }, t("sync.dismiss")), () => this.engine.dismiss(op.op_id)),
              ),
            ),
          ),
        ),
      );
    }
    this.root.replaceChildren(...children);
  }
}

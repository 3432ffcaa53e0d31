// The parts clerk's desk: the region's pending requisitions with the RDC's free stock beside each line,
// approve or reject with a reason, and the sales orders waiting to ship. A desk works online: every
// decision is the server's at once, and a refusal is shown in the clerk's language.

import { OK } from "../api.js";
import { addStrings, t, when } from "../i18n/index.js";
import { cards, h, once } from "./dom.js";
import { problem } from "./problem.js";
import strings from "./requisitions-strings.js";

addStrings(strings);

export class RequisitionDesk {
  constructor({ api, requisitionId = null }) {
    this.api = api;
    this.requisitionId = requisitionId;
    this.root = h("section", { class: "requisition-desk", "data-testid": "requisition-desk" });
    this.message = h("p", { class: "message", role: "alert" });
  }

  render() {
    return this.requisitionId ? this.renderOne() : this.renderQueue();
  }

  async renderQueue() {
    const [pending, orders] = await Promise.all([
      this.api.get("/api/requisitions", { status: "pending", per_page: 100 }),
      this.api.get("/api/sales-orders", { status: "created", per_page: 100 }),
    ]);
    const failed = [pending, orders].find((answer) => answer.kind !== OK);
    if (failed) {
      this.root.replaceChildren(h("h1", {}, t("clerk.title")), h("p", { class: "message", role: "alert" }, problem(failed)));
      return this.root;
    }
    this.root.replaceChildren(
      h("h1", {}, t("clerk.title")),
      this.message,
      h("h2", {}, t("clerk.pending")),
      cards("pending-requisitions", pending.body.items, (r) =>
        h(
          "li",
          { dataset: { requisitionId: r.id } },
          h(
            "a",
            { href: `#/requisitions/${r.id}` },
            h("strong", {}, r.number),
            h("span", {}, `${r.provider_name} · ${t("clerk.raisedAt")} ${when(r.raised_at)} · ${t("clerk.amount")} ${r.amount}`),
            h("span", {}, r.lines.map((line) => `${line.part_no} × ${line.qty}`).join(", ")),
          ),
        ),
        t("clerk.nonePending")),
      h("h2", {}, t("clerk.toShip")),
      cards("orders-to-ship", orders.body.items, (order) =>
        h(
          "li",
          { dataset: { orderId: order.id } },
          h("strong", {}, order.number),
          h("span", {}, `${order.provider_name} · ${order.warehouse} · ${order.amount}`),
          h("span", {}, order.lines.map((line) => `${line.part_no} × ${line.qty}`).join(", ")),
          once(h("button", { type: "button", "data-action": "ship" }, t("clerk.ship")), () => this.ship(order)),
        ),
        t("clerk.noneToShip")),
    );
    return this.root;
  }

  async ship(order) {
    const answer = await this.api.post(`/api/sales-orders/${order.id}/ship`, {});
    await this.renderQueue();
    this.message.textContent = answer.kind === OK ? t("clerk.shipped", { number: order.number }) : problem(answer);
  }

  async renderOne() {
    const answer = await this.api.get(`/api/requisitions/${this.requisitionId}`);
    if (answer.kind !== OK) {
      this.root.replaceChildren(h("a", { href: "#/requisitions" }, t("job.back")), h("p", { class: "message", role: "alert" }, problem(answer)));
      return this.root;
    }
    const r = answer.body;
    const reason = h("textarea", { name: "reason", maxlength: 500 });
    const decide = r.status === "pending";
    const shown = [
      h("a", { href: "#/requisitions", class: "back" }, t("job.back")),
      h("h1", {}, r.number, " ", h("span", { class: "state", "data-testid": "requisition-status" }, t(`requisition.status.${r.status}`))),
      h("p", {}, `${r.provider_name} · ${t("clerk.raisedAt")} ${when(r.raised_at)} · ${r.raised_by_name}`),
      r.note ? h("p", {}, r.note) : null,
      h(
        "table",
        { class: "lines" },
        h(
          "thead",
          {},
          h("tr", {}, [t("form.partNo"), t("form.qty"), t("clerk.rdcFree"), t("clerk.amount")].map((title) => h("th", {}, title))),
        ),
        h(
          "tbody",
          {},
          r.lines.map((line) =>
            h(
              "tr",
              { class: line.rdc_available !== null && line.rdc_available < line.qty ? "short" : "" },
              h("td", {}, `${line.part_no} ${line.name}`),
              h("td", {}, String(line.qty)),
              h("td", { "data-testid": "rdc-free" }, line.rdc_available === null ? "" : String(line.rdc_available)),
              // The line's amount over the sum behind it: quantity × price.
              h("td", {}, h("span", { "data-testid": "line-amount" }, line.amount), h("br"), h("small", {}, `${line.qty}\u00a0×\u00a0${line.price}`)),
            ),
          ),
        ),
        // What the provider is charged on approval: the plain sum of the amounts above.
        h(
          "tfoot",
          {},
          h("tr", { class: "total" }, h("th", { scope: "row", colspan: 3 }, t("clerk.total")), h("td", { "data-testid": "requisition-amount" }, r.amount)),
        ),
      ),
      this.message,
      decide
        ? h(
            "div",
            { class: "decision" },
            once(h("button", { type: "button", "data-action": "approve" }, t("clerk.approve")), () => this.decide("approve", {})),
            h("label", {}, t("clerk.reason"), reason),
            once(h("button", { type: "button", "data-action": "reject" }, t("clerk.reject")), () => {
              if (!reason.value.trim()) {
                this.message.textContent = t("clerk.reasonNeeded");
                return Promise.resolve();
              }
              return this.decide("reject", { reason: reason.value.trim() });
            }),
          )
        : h("p", {}, r.decision_note || ""),
    ];
    // replaceChildren would show a null as the text "null".
    this.root.replaceChildren(...shown.filter(Boolean));
    return this.root;
  }

  async decide(action, body) {
    const answer = await this.api.post(`/api/requisitions/${this.requisitionId}/${action}`, body);
    if (answer.kind === OK) {
      await this.renderOne();
      this.message.textContent = t(action === "approve" ? "clerk.approved" : "clerk.rejected");
      return;
    }
    this.message.textContent = problem(answer);
  }
}

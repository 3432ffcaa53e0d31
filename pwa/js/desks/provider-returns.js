// The provider manager's old parts to return (旧件返还, #/team/returns): the old parts the company's warranty
// repairs owe their province's RDC, the most urgent first; several chosen are packed into one shipment with a
// packing list to print (#/team/returns/shipment/<id>); the shipments sent and how far they got; and the parts
// the RDC rejected, with its note. A part late or rejected costs the company on its statement.

import { addStrings, language } from "../i18n/index.js";
import { save } from "../ui/dom.js";
import { OK, action, day, h, problem, setQuery, sortedTable, split, stale, t, time } from "./kit.js";
import strings from "./provider-strings.js";

addStrings(strings);

// The server's largest page: a company's owed parts fit in it; the screen says so when they do not.
const LIST_SIZE = 500;
const SHIPMENTS_SHOWN = 20;
const REJECTED_SHOWN = 50;
// What the RDC found, in the user's words.
const RESULTS = ["accepted", "wrong_part", "not_faulty", "missing"];
// Said once on the screen drawn after an action that moved the address (packing opens the new shipment).
let flash = "";

// The words for where a return is: what the RDC found once it inspected it, else its step.
export function returnState(item) {
  if (item.result && RESULTS.includes(item.result)) {
    return t(`team.returns.result.${item.result}`);
  }
  const key = `team.returns.status.${item.status}`;
  return t(key) === key ? t("team.returns.status.other") : t(key);
}

// The ids chosen in the owed table, in the order shown.
export function chosen(boxes) {
  return boxes.filter((box) => box.checked).map((box) => Number(box.value));
}

function jobLink(item) {
  return item.job_id ? h("a", { href: `#/team/job/${item.job_id}`, class: "job-link" }, item.job_number) : t("team.returns.noJob");
}

function partCell(item) {
  return [h("span", {}, item.part_name), h("span", { class: "sub" }, `${item.part_no} · ${item.number}`)];
}

function serialCell(item) {
  return item.old_serial ? h("span", { class: "serial" }, item.old_serial) : h("span", { class: "muted" }, t("team.returns.noSerial"));
}

function dueCell(item) {
  return item.overdue
    ? h("span", { class: "overdue", "data-testid": "overdue" }, t("team.returns.overdueSince", { day: day(item.due_at) }))
    : h("span", { class: "due" }, t("team.returns.dueBy", { day: day(item.due_at) }));
}

export class ReturnsScreen {
  constructor({ api, path, query, notice, redraw }) {
    Object.assign(this, { api, query, notice, redraw });
    // ["shipment", "<id>"]: that shipment opened beside the lists.
    this.shipmentId = path[0] === "shipment" && /^\d+$/.test(path[1] ?? "") ? Number(path[1]) : null;
  }

  async render() {
    // A line said in the other language before a switch would stay in it: it goes.
    if (this.language && this.language !== language()) {
      this.notice.clear();
    }
    this.language = language();
    const [owed, shipments, rejected, shipment] = await Promise.all([
      this.api.get("/api/part-returns", { status: "owed", per_page: LIST_SIZE }),
      this.api.get("/api/part-returns/shipments", { per_page: SHIPMENTS_SHOWN }),
      this.api.get("/api/part-returns", { status: "rejected", per_page: REJECTED_SHOWN }),
      this.shipmentId ? this.api.get(`/api/part-returns/shipments/${this.shipmentId}`) : null,
    ]);
    const failed = [owed, shipments, rejected].find((answer) => answer.kind !== OK);
    if (failed) {
      return [h("p", { class: "message", role: "alert" }, problem(failed))];
    }
    if (flash) {
      this.notice.ok(flash);
      flash = "";
    }
    const items = owed.body.items;
    const late = items.filter((item) => item.overdue).length;
    const queue = [
      h(
        "h2",
        {},
        t("team.returns.owed"),
        " ",
        h("span", { class: "count", "data-testid": "owed-count" }, String(owed.body.total)),
        late ? h("span", { class: "overdue late-count", "data-testid": "late-count" }, t("team.returns.lateCount", { count: late })) : null,
      ),
      items.length ? this.packing(items) : h("p", { class: "empty" }, t("team.returns.noneOwed")),
      owed.body.total > items.length ? h("p", { class: "hint" }, t("team.more", { shown: items.length, total: owed.body.total })) : null,
    ];
    let opened = null;
    if (shipment) {
      opened =
        shipment.kind === OK
          ? this.shipment(shipment.body)
          : h("p", { class: "message", role: "alert", "data-testid": "shipment-gone" }, problem(shipment));
    }
    const detail = [opened, this.shipments(shipments.body.items), this.rejected(rejected.body)];
    const layout = split(queue, detail);
    layout.classList.toggle("with-case", Boolean(this.shipmentId));
    return [h("h1", {}, t("team.returns.title")), h("p", { class: "hint" }, t("team.returns.hint")), this.notice.element, layout];
  }

  // The owed parts with a box each, and what packs the chosen ones into a shipment.
  packing(items) {
    const boxes = [];
    const count = h("span", { "data-testid": "chosen-count" }, t("team.returns.chosen", { count: 0 }));
    const all = h("input", { type: "checkbox", name: "all", "aria-label": t("team.returns.chooseAll"), "data-action": "choose-all" });
    const update = () => {
      const picked = chosen(boxes).length;
      count.textContent = t("team.returns.chosen", { count: picked });
      all.checked = picked === boxes.length;
      all.indeterminate = picked > 0 && picked < boxes.length;
    };
    all.addEventListener("change", () => {
      for (const box of boxes) {
        box.checked = all.checked;
      }
      update();
    });
    const box = (item) => {
      const input = h("input", { type: "checkbox", name: "return", value: item.id, "aria-label": t("team.returns.choose", { number: item.number }) });
      input.addEventListener("change", update);
      boxes.push(input);
      return h("label", { class: "pick" }, input);
    };
    const table = sortedTable({
      testId: "owed-returns",
      rows: items,
      // The server's order is the most urgent first: the soonest due (an overdue one is soonest).
      sort: this.query.get("sort") ?? "",
      onSort: (next) => setQuery({ sort: next }),
      rowAttributes: (item) => ({ "data-return-id": item.id, class: item.overdue ? "late" : null }),
      columns: [
        { key: "pick", label: h("label", { class: "pick" }, all), cell: box },
        { key: "part", label: t("team.returns.col.part"), value: (item) => item.part_name, cell: partCell },
        // The deadline before the rest: on a phone the table scrolls sideways, and what is late shows first.
        { key: "due", label: t("team.returns.col.due"), value: (item) => item.due_at, cell: dueCell },
        { key: "job", label: t("team.col.job"), value: (item) => item.job_number ?? "", cell: jobLink },
        { key: "serial", label: t("team.returns.col.serial"), value: (item) => item.old_serial ?? "", cell: serialCell },
        {
          key: "fitted",
          label: t("team.returns.col.fitted"),
          value: (item) => item.fitted_at,
          cell: (item) => h("span", { class: "day" }, day(item.fitted_at)),
        },
      ],
    });
    const tracking = h("input", { name: "tracking", id: "return-tracking", maxlength: 64, autocomplete: "off" });
    const pack = action("pack", t("team.returns.pack"), () => this.pack(chosen(boxes), tracking.value.trim()), { class: "primary" });
    return h(
      "div",
      { class: "owed" },
      table,
      h(
        "div",
        { class: "pack panel", "data-testid": "pack" },
        h("p", { class: "hint" }, t("team.returns.packHint")),
        h("label", { for: "return-tracking" }, t("team.returns.tracking")),
        tracking,
        h("div", { class: "pack-go" }, count, pack),
      ),
    );
  }

  async pack(ids, tracking) {
    this.notice.clear();
    if (!ids.length) {
      this.refuse(t("team.returns.chooseFirst"));
      return;
    }
    const answer = await this.api.post("/api/part-returns/shipments", tracking ? { lines: ids, tracking } : { lines: ids });
    if (answer.kind === OK) {
      flash = t("team.returns.packed", { number: answer.body.number, count: answer.body.line_count, rdc: answer.body.province_name });
      location.hash = `#/team/returns/shipment/${answer.body.id}`;
    } else if (stale(answer)) {
      // One of them was packed meanwhile (another tab, a colleague): the list drawn again shows what is left.
      await this.redraw();
      this.notice.fail(answer);
    } else if (answer.code === "validation_error" && answer.details?.fields?.lines) {
      this.refuse(t("team.returns.severalRdcs"));
    } else if (answer.code === "validation_error") {
      await this.redraw();
      this.refuse(t("team.returns.notYours"));
    } else {
      this.notice.fail(answer);
    }
  }

  refuse(text) {
    this.notice.element.className = "notice error";
    this.notice.element.setAttribute("role", "alert");
    this.notice.element.textContent = text;
  }

  async download(shipment) {
    const answer = await this.api.download(`/api/part-returns/shipments/${shipment.id}.csv`);
    if (answer.kind !== OK) {
      this.notice.fail(answer);
      return;
    }
    save(answer);
  }

  downloadButton(shipment, attributes = {}, label = t("team.returns.packingList")) {
    return action("packing-list", label, () => this.download(shipment), {
      "aria-label": t("team.returns.packingListOf", { number: shipment.number }),
      ...attributes,
    });
  }

  // One shipment opened: where it goes, how far it got, and each old part in it.
  shipment(shipment) {
    const row = (label, value, testId) => [h("dt", {}, t(label)), h("dd", { "data-testid": testId }, value)];
    return h(
      "article",
      { class: "panel shipment", "data-testid": "shipment", "data-shipment-id": shipment.id, "aria-labelledby": "shipment-title" },
      h("a", { href: "#/team/returns", class: "back" }, t("team.back")),
      h("h2", { id: "shipment-title" }, t("team.returns.shipment", { number: shipment.number }), " ", this.shipmentState(shipment)),
      h(
        "dl",
        {},
        row("team.returns.to", t("team.parts.rdc", { region: shipment.province_name })),
        row("team.returns.trackingNo", shipment.tracking || t("team.returns.noTracking"), "shipment-tracking"),
        row("team.returns.packedAt", time(shipment.created_at)),
        shipment.received_at ? row("team.returns.receivedAt", time(shipment.received_at)) : [],
      ),
      shipment.status === "shipped" ? h("p", { class: "hint" }, t("team.returns.printHint")) : null,
      h("div", { class: "actions" }, this.downloadButton(shipment, { class: "primary" })),
      sortedTable({
        testId: "shipment-lines",
        rows: shipment.lines,
        rowAttributes: (item) => ({ "data-return-id": item.id, "data-status": item.status }),
        columns: [
          { key: "part", label: t("team.returns.col.part"), cell: partCell },
          { key: "job", label: t("team.col.job"), cell: jobLink },
          { key: "serial", label: t("team.returns.col.serial"), cell: serialCell },
          {
            key: "state",
            label: t("team.col.state"),
            cell: (item) => [
              h("span", { class: `state return-${item.status}` }, returnState(item)),
              item.status === "rejected" && item.note ? h("span", { class: "note" }, item.note) : null,
            ],
          },
        ],
      }),
    );
  }

  shipmentState(shipment) {
    const received = shipment.status === "received";
    return h(
      "span",
      { class: `state shipment-${shipment.status}`, "data-testid": "shipment-status", "data-status": shipment.status },
      t(received ? "team.returns.shipment.received" : "team.returns.shipment.shipped"),
    );
  }

  shipments(items) {
    const table = items.length
      ? sortedTable({
          testId: "return-shipments",
          rows: items,
          sort: this.query.get("sent") ?? "",
          onSort: (next) => setQuery({ sent: next }),
          rowAttributes: (shipment) => ({ "data-shipment-id": shipment.id, class: shipment.id === this.shipmentId ? "selected" : null }),
          columns: [
            {
              key: "number",
              label: t("team.returns.col.shipment"),
              value: (shipment) => shipment.number,
              cell: (shipment) => [
                h("a", { href: `#/team/returns/shipment/${shipment.id}`, class: "job-link" }, shipment.number),
                h("span", { class: "sub" }, t("team.returns.parts", { count: shipment.line_count })),
              ],
            },
            { key: "sent", label: t("team.returns.col.sent"), value: (shipment) => shipment.created_at, cell: (shipment) => day(shipment.created_at) },
            { key: "state", label: t("team.col.state"), value: (shipment) => shipment.status, cell: (shipment) => this.shipmentState(shipment) },
            { key: "list", label: t("team.returns.col.list"), cell: (shipment) => this.downloadButton(shipment, {}, t("team.returns.download")) },
          ],
        })
      : h("p", { class: "empty" }, t("team.returns.noneSent"));
    return h("section", { class: "panel", "aria-labelledby": "sent-title" }, h("h2", { id: "sent-title" }, t("team.returns.sent")), table);
  }

  rejected(page) {
    const table = page.items.length
      ? sortedTable({
          testId: "rejected-returns",
          rows: page.items,
          rowAttributes: (item) => ({ "data-return-id": item.id }),
          columns: [
            { key: "part", label: t("team.returns.col.part"), cell: partCell },
            { key: "job", label: t("team.col.job"), cell: jobLink },
            {
              key: "finding",
              label: t("team.returns.col.finding"),
              cell: (item) => [
                h("strong", { class: "finding" }, returnState(item)),
                item.note ? h("span", { class: "note", "data-testid": "rdc-note" }, item.note) : null,
                h("span", { class: "sub" }, t("team.returns.inspectedOn", { day: day(item.inspected_at), rdc: item.province_name })),
              ],
            },
          ],
        })
      : h("p", { class: "empty" }, t("team.returns.noneRejected"));
    return h(
      "section",
      { class: "panel", "aria-labelledby": "rejected-title" },
      h("h2", { id: "rejected-title" }, t("team.returns.rejected"), " ", h("span", { class: "count" }, String(page.total))),
      h("p", { class: "hint" }, t("team.returns.rejectedHint")),
      table,
    );
  }
}

// The HQ parts planner's desk (备件计划): what waits on headquarters by part and which requisitions wait for
// it, the roll-up into a purchase order, the purchase orders, and one order received with the quantities
// counted. Addresses: #/plan (?part=, sort=), #/plan/orders (?status=, sort=), #/plan/order/<id>.
//
// Online only, as every desk: each screen is the server's state when drawn; a refusal is told in the
// planner's language, and a stale screen (a 409) is drawn again with the fresh state under the explanation.

import { addStrings, language } from "../i18n/index.js";
import { OK, action, address, day, h, notice, problem, setQuery, sortedTable, split, stale, t, time, useStyles } from "./kit.js";
import { ageInDays, difference, orderTotals, parseCount, planTotals, receipt } from "./planning-rules.js";
import strings from "./planning-strings.js";

addStrings(strings);

// How many rows a list asks for: the plan's waiting requisitions (oldest first) and the orders (newest first).
const ROWS = 100;

// What a roll-up said, told on the screen of the order it raised (the address changes, the view is new).
let carried = null;

export class View {
  constructor({ api, path, query }) {
    this.api = api;
    this.path = path;
    this.query = query;
    this.online = true;
    this.root = h("section", { class: "plan-desk", "data-testid": "plan-desk" });
    this.notice = notice();
    // What the notice says, kept as how to say it: drawn again (another language), it is said again.
    this.said = carried;
    carried = null;
    useStyles("planning");
  }

  async render() {
    const [screen, id] = this.path;
    if (screen === "order" && /^\d+$/.test(id ?? "")) {
      await this.drawOrder(Number(id));
    } else if (screen === "orders") {
      await this.drawOrders();
    } else {
      await this.drawPlan();
    }
    this.said?.(this.notice);
    return this.root;
  }

  head(current) {
    const tab = (name, href) =>
      h("a", { href, class: "tab", "aria-current": current === name ? "page" : null, "data-testid": `tab-${name}` }, t(`plan.tab.${name}`));
    return [
      h("h1", {}, t("plan.title")),
      h("nav", { class: "desk-tabs", "aria-label": t("plan.sections") }, tab("plan", "#/plan"), tab("orders", "#/plan/orders")),
      this.notice.element,
    ];
  }

  failed(current, answer) {
    this.root.replaceChildren(...this.head(current), h("p", { class: "notice error", role: "alert" }, problem(answer)));
  }

  // ---------------------------------------------------------------- the plan

  async drawPlan() {
    const part = this.query.get("part") ?? "";
    const [plan, waiting] = await Promise.all([
      this.api.get("/api/parts-plan"),
      this.api.get("/api/parts-plan/requisitions", part ? { part_no: part, per_page: ROWS } : { per_page: ROWS }),
    ]);
    const refused = [plan, waiting].find((answer) => answer.kind !== OK);
    if (refused) {
      this.failed("plan", refused);
      return;
    }
    const rows = plan.body.items;
    if (!rows.length) {
      this.root.replaceChildren(...this.head("plan"), h("p", { class: "empty", "data-testid": "plan-empty" }, t("plan.empty")));
      return;
    }
    const totals = planTotals(rows);
    const figure = (name) =>
      h("div", { class: "figure", "data-testid": `figure-${name}` }, h("span", {}, t(`plan.figure.${name}`)), h("strong", {}, String(totals[name])));
    const queue = [
      h("div", { class: "figures" }, ["parts", "waiting", "onOrder", "toOrder"].map(figure)),
      this.planTable(rows, part),
      h(
        "div",
        { class: "roll-up" },
        action("roll-up", t("plan.rollUp"), () => this.rollUp(), { class: "primary" }),
        h("p", { class: "hint" }, t("plan.rollUpHint")),
      ),
    ];
    const named = rows.find((row) => row.part_no === part);
    const layout = split(queue, this.waitingPanel(waiting.body, part, named));
    layout.classList.add("halves");
    this.root.replaceChildren(...this.head("plan"), layout);
  }

  planTable(rows, part) {
    const { base, query } = address();
    const select = (partNo) => {
      const next = new URLSearchParams(query);
      next.set("part", partNo);
      return `${base}?${next}`;
    };
    const table = sortedTable({
      testId: "plan",
      sort: this.query.get("sort") ?? "",
      rows,
      rowAttributes: (row) => ({ "data-part-no": row.part_no, class: row.part_no === part ? "selected" : null }),
      columns: [
        {
          key: "part",
          label: t("plan.col.part"),
          value: (row) => row.part_no,
          cell: (row) =>
            h(
              "a",
              { href: select(row.part_no), class: "part", "aria-current": row.part_no === part ? "true" : null },
              h("span", { class: "part-no" }, row.part_no),
              " ",
              h("span", { class: "part-name" }, row.name),
            ),
        },
        { key: "waiting", label: t("plan.col.waiting"), value: (row) => row.waiting, numeric: true },
        { key: "on_order", label: t("plan.col.onOrder"), value: (row) => row.on_order, numeric: true },
        {
          key: "to_order",
          label: t("plan.col.toOrder"),
          value: (row) => row.to_order,
          numeric: true,
          cell: (row) => h("span", { class: row.to_order ? "due" : null, "data-testid": "to-order" }, String(row.to_order)),
        },
        { key: "lines", label: t("plan.col.requisitions"), value: (row) => row.lines, numeric: true },
        { key: "oldest", label: t("plan.col.oldest"), value: (row) => row.oldest_raised_at ?? "", cell: (row) => raised(row.oldest_raised_at) },
      ],
    });
    return scrollable(table, t("plan.title"));
  }

  waitingPanel(page, part, named) {
    const title = part ? t("plan.waitingFor", { part: named ? partName(named) : part }) : t("plan.waitingAll");
    const columns = [
      ...whoWaits(),
      part ? null : [t("plan.col.part"), (row) => partName(row)],
      [t("plan.col.waiting"), (row) => (row.waiting < row.qty ? `${row.waiting} / ${row.qty}` : String(row.waiting)), "num"],
      [t("plan.col.raised"), (row) => raised(row.raised_at)],
    ].filter(Boolean);
    const rows = page.items.map((row) =>
      h(
        "tr",
        { "data-requisition-id": row.requisition_id, "data-part-no": row.part_no },
        columns.map(([, cell, kind]) => h("td", { class: kind ?? null }, cell(row))),
      ),
    );
    return h(
      "section",
      { class: "panel", "aria-labelledby": "waiting-title", "data-testid": "waiting" },
      h("h2", { id: "waiting-title" }, title),
      page.items.length ? h("p", { class: "hint" }, t("plan.waitingHint")) : h("p", { class: "empty" }, t("plan.noneWaiting")),
      page.items.length ? plainTable("waiting-requisitions", title, columns, rows) : null,
      page.total > page.items.length ? h("p", { class: "hint" }, t("plan.more", { shown: page.items.length, total: page.total })) : null,
      part ? h("a", { href: withoutPart(), "data-testid": "all-parts" }, t("plan.allParts")) : null,
    );
  }

  async rollUp() {
    const answer = await this.api.post("/api/purchase-orders", {});
    if (answer.kind !== OK) {
      // Refused (nothing left to order, or the plan changed): said, and the plan as it is now drawn under it.
      this.said = (said) => said.fail(answer);
      await this.render();
      return;
    }
    const { purchase_order: order, sales_orders: sent } = answer.body;
    const tell = (said) =>
      said.ok(
        [
          order
            ? plural("plan.rolledUp", orderTotals(order.lines).ordered, { number: order.number })
            : t("plan.nothingOrdered"),
          sent.length ? plural("plan.sentFromStock", sent.length) : "",
        ]
          .filter(Boolean)
          .join(" "),
      );
    if (order) {
      carried = tell;
      location.hash = `#/plan/order/${order.id}`;
      return;
    }
    this.said = tell;
    await this.render();
  }

  // ---------------------------------------------------------------- purchase orders

  ordersQuery() {
    const status = this.query.get("status") ?? "";
    return status ? { status, per_page: ROWS } : { per_page: ROWS };
  }

  async drawOrders() {
    const list = await this.api.get("/api/purchase-orders", this.ordersQuery());
    if (list.kind !== OK) {
      this.failed("orders", list);
      return;
    }
    this.root.replaceChildren(...this.head("orders"), ...this.ordersList(list.body, null));
  }

  ordersList(page, selected) {
    const status = this.query.get("status") ?? "";
    const filter = h(
      "select",
      { name: "status", "data-testid": "status-filter", onchange: (event) => setQuery({ status: event.target.value }) },
      [
        ["", t("plan.filter.all")],
        ["ordered", t("plan.status.ordered")],
        ["received", t("plan.status.received")],
      ].map(([value, label]) => h("option", { value, selected: value === status }, label)),
    );
    const link = (order) => {
      const search = address().query.toString();
      return `#/plan/order/${order.id}${search ? `?${search}` : ""}`;
    };
    const received = (order) => (order.status === "received" ? orderTotals(order.lines) : null);
    const columns = {
      number: {
        key: "number",
        label: t("plan.col.order"),
        value: (order) => order.number,
        cell: (order) => h("a", { href: link(order), class: "number", "aria-current": order.id === selected ? "true" : null }, order.number),
      },
      status: { key: "status", label: t("plan.col.status"), value: (order) => order.status, cell: (order) => statusBadge(order.status) },
      created: { key: "created", label: t("plan.col.created"), value: (order) => order.created_at, cell: (order) => day(order.created_at) },
      parts: { key: "parts", label: t("plan.col.parts"), value: (order) => order.lines.length, numeric: true },
      ordered: { key: "ordered", label: t("plan.col.ordered"), value: (order) => orderTotals(order.lines).ordered, numeric: true },
      received: { key: "received", label: t("plan.col.received"), value: (order) => received(order)?.received ?? "", numeric: true },
      short: {
        key: "short",
        label: t("plan.col.short"),
        value: (order) => received(order)?.short ?? "",
        numeric: true,
        cell: (order) => {
          const short = received(order)?.short;
          return short ? h("span", { class: "due" }, String(short)) : short === 0 ? "0" : "";
        },
      },
      receivedAt: { key: "received_at", label: t("plan.col.receivedOn"), value: (order) => order.received_at ?? "", cell: (order) => day(order.received_at) },
    };
    // Beside an open order the list keeps what tells orders apart; alone it shows every figure.
    const shown = selected === null ? Object.values(columns) : [columns.number, columns.status, columns.created, columns.short];
    const table = sortedTable({
      testId: "purchase-orders",
      sort: this.query.get("sort") ?? "",
      rows: page.items,
      rowAttributes: (order) => ({ "data-order-id": order.id, class: order.id === selected ? "selected" : null }),
      columns: shown,
    });
    return [
      h("div", { class: "filters" }, h("label", {}, t("plan.filter.status"), filter)),
      page.items.length ? scrollable(table, t("plan.tab.orders")) : h("p", { class: "empty" }, t(status ? "plan.noOrdersOfStatus" : "plan.noOrders")),
      page.total > page.items.length ? h("p", { class: "hint" }, t("plan.newest", { shown: page.items.length, total: page.total })) : null,
    ].filter(Boolean); // replaceChildren would write a null out as the text "null"
  }

  async drawOrder(id) {
    const [list, order, needs] = await Promise.all([
      this.api.get("/api/purchase-orders", this.ordersQuery()),
      this.api.get(`/api/purchase-orders/${id}`),
      this.api.get(`/api/purchase-orders/${id}/requisitions`),
    ]);
    if (list.kind !== OK) {
      this.failed("orders", list);
      return;
    }
    const back = h("a", { href: "#/plan/orders", class: "back", "data-testid": "back" }, t("plan.back"));
    const shown = [order, needs].find((answer) => answer.kind !== OK);
    const detail = shown
      ? [back, h("p", { class: "notice error", role: "alert", "data-testid": "order-problem" }, problem(shown))]
      : [back, ...this.orderCase(order.body, needs.body)];
    const layout = split(this.ordersList(list.body, id), h("article", { class: "order", "data-testid": "purchase-order" }, detail));
    layout.classList.add("focused");
    this.root.replaceChildren(...this.head("orders"), layout);
  }

  orderCase(order, needs) {
    const heading = h("h2", {}, t("plan.order", { number: order.number }), " ", statusBadge(order.status));
    const facts = h(
      "dl",
      { class: "facts" },
      h("dt", {}, t("plan.raisedOn")),
      h("dd", {}, time(order.created_at)),
      order.received_at ? [h("dt", {}, t("plan.receivedOn")), h("dd", {}, time(order.received_at))] : null,
    );
    if (order.status === "received") {
      return [heading, facts, this.receivedLines(order)];
    }
    return [heading, facts, this.receiveForm(order), this.serves(needs)];
  }

  receivedLines(order) {
    const totals = orderTotals(order.lines);
    const columns = [
      [t("plan.col.part"), (line) => partName(line)],
      [t("plan.col.ordered"), (line) => String(line.qty), "num"],
      [
        t("plan.col.received"),
        (line) => [
          h("span", { "data-testid": "received" }, String(line.received_qty)),
          h("span", { class: "difference", "data-testid": "difference" }, differenceText(difference(line.qty, line.received_qty))),
        ],
        "num",
      ],
    ];
    const rows = order.lines.map((line) => {
      const { short, over } = difference(line.qty, line.received_qty);
      return h(
        "tr",
        { "data-part-no": line.part_no, class: short ? "short" : over ? "over" : null },
        columns.map(([, cell, kind]) => h("td", { class: kind ?? null }, cell(line))),
      );
    });
    const outcome = [
      totals.short ? plural("plan.arrivedShort", totals.short) : "",
      totals.over ? plural("plan.arrivedOver", totals.over) : "",
      totals.short || totals.over ? "" : t("plan.arrivedFull"),
    ].filter(Boolean);
    return h(
      "section",
      { class: "panel", "data-testid": "received-lines" },
      plainTable("order-lines", t("plan.order", { number: order.number }), columns, rows),
      outcome.map((sentence) => h("p", { class: totals.short ? "outcome short" : "outcome", "data-testid": "outcome" }, sentence)),
    );
  }

  receiveForm(order) {
    const inputs = {};
    const differences = {};
    const confirm = h("input", { type: "checkbox", name: "confirm-over", "data-testid": "confirm-over" });
    const confirmLabel = h("label", { class: "confirm-over", hidden: true }, confirm, h("span", {}, t("plan.confirmOver")));
    const update = () => {
      let anyOver = false;
      for (const line of order.lines) {
        const counted = parseCount(inputs[line.part_no].value);
        const change = counted === null ? null : difference(line.qty, counted);
        anyOver ||= Boolean(change?.over);
        differences[line.part_no].textContent = change ? differenceText(change) : "";
        differences[line.part_no].className = `difference ${change?.short ? "short" : change?.over ? "over" : ""}`;
      }
      confirmLabel.hidden = !anyOver;
    };
    const rows = order.lines.map((line) => {
      inputs[line.part_no] = h("input", {
        type: "text",
        inputmode: "numeric",
        autocomplete: "off",
        name: `count-${line.part_no}`,
        value: String(line.qty),
        size: 6,
        "aria-label": t("plan.countOf", { part: line.part_no }),
        "data-part-no": line.part_no,
        oninput: update,
      });
      // What the count differs from the order by, under the count as it is typed (and read out).
      differences[line.part_no] = h(
        "span",
        { class: "difference", "aria-live": "polite", "data-testid": "difference" },
        differenceText(difference(line.qty, line.qty)),
      );
      return h(
        "tr",
        { "data-part-no": line.part_no },
        h("td", {}, partName(line)),
        h("td", { class: "num" }, String(line.qty)),
        h("td", { class: "num count" }, inputs[line.part_no], differences[line.part_no]),
      );
    });
    const columns = [[t("plan.col.part")], [t("plan.col.ordered"), null, "num"], [t("plan.col.counted"), null, "num"]];
    const receive = action("receive", t("plan.receive"), () => this.receive(order, inputs, confirm, confirmLabel), { class: "primary" });
    return h(
      "form",
      {
        class: "receive",
        "data-testid": "receive-form",
        novalidate: true,
        // Enter in a count receives, as the button does (and only once, as the button does).
        onsubmit: (event) => {
          event.preventDefault();
          receive.click();
        },
      },
      h("p", { class: "hint" }, t("plan.receiveHint")),
      plainTable("receive-lines", t("plan.order", { number: order.number }), columns, rows),
      confirmLabel,
      h("div", { class: "buttons" }, receive),
    );
  }

  async receive(order, inputs, confirm, confirmLabel) {
    const counts = Object.fromEntries(Object.entries(inputs).map(([partNo, input]) => [partNo, input.value]));
    const decided = receipt(order.lines, counts, { overConfirmed: confirm.checked });
    for (const [partNo, input] of Object.entries(inputs)) {
      input.toggleAttribute("aria-invalid", decided.refused === "bad" && decided.bad.includes(partNo));
    }
    if (decided.refused === "bad") {
      this.refuse(t("plan.badCount", { parts: decided.bad.join(", ") }));
      inputs[decided.bad[0]].focus();
      return;
    }
    if (decided.refused === "over") {
      this.refuse(decided.over.map((line) => t("plan.overCount", { part: line.part_no, counted: line.counted, ordered: line.ordered })).join(" "));
      confirmLabel.hidden = false;
      confirm.focus();
      return;
    }
    const answer = await this.api.post(`/api/purchase-orders/${order.id}/receive`, { lines: decided.lines });
    if (answer.kind !== OK) {
      this.said = (said) => said.fail(answer);
      if (stale(answer)) {
        // Received meanwhile (another screen, another planner): the order as it stands now, under the reason.
        await this.render();
      } else {
        this.said(this.notice);
      }
      return;
    }
    const totals = orderTotals(answer.body.lines);
    this.said = (said) => said.ok(plural("plan.received", totals.received, { number: answer.body.number }));
    await this.render();
  }

  // A refusal of the desk's own (a count it cannot send), in the planner's language; nothing was sent.
  refuse(text) {
    this.said = (said) => {
      said.element.className = "notice error";
      said.element.setAttribute("role", "alert");
      said.element.textContent = text;
    };
    this.said(this.notice);
  }

  serves(needs) {
    const columns = [
      ...whoWaits(),
      [t("plan.col.part"), (row) => partName(row)],
      [t("plan.col.gets"), (row) => (row.on_receipt < row.waiting ? `${row.on_receipt} / ${row.waiting}` : String(row.on_receipt)), "num"],
      [t("plan.col.raised"), (row) => raised(row.raised_at)],
    ];
    const rows = needs.items.map((row) =>
      h(
        "tr",
        { "data-requisition-id": row.requisition_id, "data-part-no": row.part_no },
        columns.map(([, cell, kind]) => h("td", { class: kind ?? null }, cell(row))),
      ),
    );
    return h(
      "section",
      { class: "panel", "aria-labelledby": "serves-title", "data-testid": "serves" },
      h("h3", { id: "serves-title" }, t("plan.serves")),
      needs.items.length ? h("p", { class: "hint" }, t("plan.servesHint")) : h("p", { class: "empty" }, t("plan.servesNone")),
      needs.items.length ? plainTable("served-requisitions", t("plan.serves"), columns, rows) : null,
      needs.beyond ? h("p", { class: "hint", "data-testid": "beyond" }, plural("plan.beyond", needs.beyond)) : null,
    );
  }
}

// ---------------------------------------------------------------- small pieces

// The plan's address as it is, its sort kept, with no part chosen.
function withoutPart() {
  const { base, query } = address();
  query.delete("part");
  return query.size ? `${base}?${query}` : base;
}

// The first columns of a waiting requisition: its number over its job's, its provider over its province.
function whoWaits() {
  return [
    [t("plan.col.requisitionJob"), (row) => [h("span", { class: "number" }, row.requisition_number), " ", h("span", { class: "sub" }, row.job_number)]],
    [t("plan.col.providerProvince"), (row) => [h("span", {}, row.provider_name), " ", h("span", { class: "sub" }, row.province_name)]],
  ];
}

function partName(row) {
  return row.name ? `${row.part_no} ${row.name}` : row.part_no;
}

function statusBadge(status) {
  return h("span", { class: `state po-${status}`, "data-testid": "order-status", "data-status": status }, t(`plan.status.${status}`));
}

function differenceText({ short, over }) {
  if (short) {
    return t("plan.diff.short", { count: short });
  }
  return over ? t("plan.diff.over", { count: over }) : t("plan.diff.none");
}

// The text of `key` for `count` in the planner's language: `key.one`, `key.other`… as its plural rules say.
function plural(key, count, params = {}) {
  const form = `${key}.${new Intl.PluralRules(language()).select(count)}`;
  return t(t(form) === form ? `${key}.other` : form, { count, ...params });
}

// When a need was raised, and under it how long it has waited ("today", "8 days").
function raised(iso) {
  if (!iso) {
    return "";
  }
  const days = ageInDays(iso);
  return [h("span", { class: "day" }, day(iso)), " ", h("span", { class: "age" }, days ? plural("plan.age", days) : t("plan.age.today"))];
}

// A table of fixed order (the order is the meaning: oldest first). `columns`: [label, cell, "num"?].
function plainTable(testId, caption, columns, rows) {
  const table = h(
    "table",
    { class: "desk-table", "data-testid": testId },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map(([label, , kind]) => h("th", { scope: "col", class: kind ?? null }, label)))),
    h("tbody", {}, rows),
  );
  return scrollable(h("div", { class: "table-scroll" }, table), caption);
}

// A table wider than a phone scrolls inside its own box: named, and reachable from the keyboard to scroll it.
function scrollable(wrapper, label) {
  wrapper.setAttribute("role", "region");
  wrapper.setAttribute("aria-label", label);
  wrapper.setAttribute("tabindex", "0");
  return wrapper;
}

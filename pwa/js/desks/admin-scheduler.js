// The admin's view of the scheduler: each recurring task, how often it runs, and its last run (outcome, how
// long ago, what it did), then the latest runs, failed ones alone with `?outcome=error` in the address.

import { OK, h, problem, setQuery, t, time } from "./kit.js";
import { ago, every, named } from "./admin-shared.js";

const RECENT = 50;

// What a task's run did, read from the sentence the server recorded (server/scheduler/tasks.py), so that
// it is said in the user's language: the task, the pattern of its sentence, and the key saying it.
const SAID = {
  "sla.mark_overdue": [/^(?<count>\d+) SLA stages marked overdue$/, "admin.did.overdue"],
  "appointments.remind": [/^(?<count>\d+) appointment reminders sent$/, "admin.did.appointments"],
  "sync.compact": [/^(?<count>\d+) old sync changes dropped$/, "admin.did.compacted"],
  "callbacks.open": [/^(?<count>\d+) callbacks opened$/, "admin.did.callbacks"],
  "callbacks.remind_overdue": [/^(?<count>\d+) overdue callbacks reminded$/, "admin.did.callbacksOverdue"],
  "care.raise_reminders": [/^(?<count>\d+) care tasks raised$/, "admin.did.careTasks"],
  "care.warranty_ending": [/^(?<count>\d+) warranty-ending reminders set$/, "admin.did.warrantyEnding"],
  "sign_in.purge": [/^(?<count>\d+) forgotten sign-in failures dropped$/, "admin.did.signIns"],
};
const FILLED = /^(?<filled>\d+) sales order\(s\) filled from HQ stock; /;
const ORDERED = /purchase order (?<number>\S+) raised for (?<parts>\d+) part\(s\)$/;
const NOTHING = /nothing in the parts plan to order$/;
const DELIVERED = /^(?<sent>\d+) messages sent, (?<retried>\d+) to try again, (?<failed>\d+) failed$/;
const LOGGED = /^no messages to deliver: the log backend's outbox is their delivery$/;
const RETURNS = /^(?<overdue>\d+) old-part returns marked overdue and penalised, (?<reminded>\d+) reminded before their deadline$/;
const CAMPAIGNS = /^(?<sent>\d+) campaign messages sent from (?<campaigns>\d+) campaign\(s\), (?<opted>\d+) skipped as opted out, (?<done>\d+) campaign\(s\) done$/;
const MADE = /^(?<made>\d+) statement\(s\) made for (?<month>\d{4}-\d{2}), /;
const SETTLED = /(?<repeats>\d+) repeat repair\(s\) deducted, (?<finalised>\d+) statement\(s\) finalised$/;

export class SchedulerTab {
  constructor({ api, query }) {
    this.api = api;
    this.query = query;
    this.root = h("div", { class: "admin-scheduler", "data-testid": "admin-scheduler" });
  }

  async render() {
    const outcome = this.query.get("outcome") === "error" ? "error" : "";
    const tasks = await this.api.get("/api/admin/scheduler/tasks");
    if (tasks.kind !== OK) {
      this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(tasks)));
      return this.root;
    }
    const [recent, ...lasts] = await Promise.all([
      this.api.get("/api/admin/scheduler/runs", { per_page: RECENT, ...(outcome && { outcome }) }),
      ...tasks.body.map((task) => this.api.get("/api/admin/scheduler/runs", { task: task.id, per_page: 1 })),
    ]);
    const failed = [recent, ...lasts].find((answer) => answer.kind !== OK);
    if (failed) {
      this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(failed)));
      return this.root;
    }
    const names = new Map(tasks.body.map((task) => [task.id, taskName(task)]));
    const rows = tasks.body.map((task, i) => {
      const last = lasts[i].body.items[0];
      return h(
        "tr",
        { "data-task": task.id },
        h("th", { scope: "row" }, names.get(task.id)),
        h("td", {}, every(task.interval_seconds)),
        h("td", {}, last ? outcomeBadge(last) : t("admin.scheduler.never")),
        h("td", {}, last ? h("time", { datetime: last.started_at, title: time(last.started_at) }, ago(last.started_at)) : ""),
        h("td", {}, last ? said(last) : ""),
      );
    });
    const choose = h(
      "select",
      { name: "outcome", onchange: (event) => setQuery({ outcome: event.target.value }, "#/admin/scheduler") },
      h("option", { value: "" }, t("admin.scheduler.allRuns")),
      h("option", { value: "error", selected: outcome === "error" }, t("admin.scheduler.failedRuns")),
    );
    const runs = recent.body.items.map((run) =>
      h(
        "tr",
        { "data-run": run.id },
        h("td", {}, h("time", { datetime: run.started_at }, time(run.started_at))),
        h("td", {}, names.get(run.task) ?? run.task),
        h("td", {}, outcomeBadge(run)),
        h("td", { class: "num" }, took(run)),
        h("td", {}, said(run)),
      ),
    );
    this.root.replaceChildren(
      h("h2", {}, t("admin.scheduler.tasks")),
      table("scheduler-tasks", t("admin.scheduler.tasks"), [t("admin.scheduler.task"), t("admin.scheduler.how"), t("admin.scheduler.lastOutcome"), t("admin.scheduler.lastRun"), t("admin.scheduler.did")], rows),
      h("h2", {}, t("admin.scheduler.recent")),
      h("div", { class: "filters" }, h("label", {}, t("admin.scheduler.show"), choose)),
      runs.length
        ? table("scheduler-runs", t("admin.scheduler.recent"), [t("admin.scheduler.started"), t("admin.scheduler.task"), t("admin.scheduler.outcome"), t("admin.scheduler.took"), t("admin.scheduler.did")], runs, [3])
        : h("p", { class: "empty" }, t(outcome ? "admin.scheduler.noFailures" : "admin.scheduler.noRuns")),
    );
    return this.root;
  }
}

// A table in a box of its own that scrolls sideways on a phone, reachable from the keyboard to do so.
function table(testId, label, headings, rows, numeric = []) {
  return h(
    "div",
    { class: "table-scroll", tabindex: 0, role: "region", "aria-label": label },
    h(
      "table",
      { class: "desk-table", "data-testid": testId },
      h("thead", {}, h("tr", {}, headings.map((text, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, text)))),
      h("tbody", {}, rows),
    ),
  );
}

// A task by its name in the user's language; a task the app does not know yet by the server's description.
function taskName(task) {
  return named(`admin.task.${task.id}`, task.description);
}

function outcomeBadge(run) {
  return h("span", { class: `state run-${run.outcome}`, "data-outcome": run.outcome }, named(`admin.outcome.${run.outcome}`, run.outcome));
}

// How long a run took, in seconds; a run still going has taken nothing yet.
function took(run) {
  if (!run.finished_at) {
    return "";
  }
  const seconds = (new Date(run.finished_at) - new Date(run.started_at)) / 1000;
  return t("admin.scheduler.seconds", { seconds: seconds < 10 ? seconds.toFixed(1) : Math.round(seconds) });
}

// What a run did, in the user's language; a failure says so before the error the server recorded.
export function said(run) {
  if (run.outcome === "running") {
    return t("admin.scheduler.stillRunning");
  }
  if (run.outcome === "error") {
    return t("admin.scheduler.failedWith", { error: run.detail });
  }
  const detail = run.detail ?? "";
  if (run.task === "parts.plan_rollup") {
    const filled = detail.match(FILLED)?.groups.filled;
    const ordered = detail.match(ORDERED)?.groups;
    const nothing = NOTHING.test(detail);
    if (ordered || nothing) {
      const parts = [];
      if (filled) {
        parts.push(t("admin.did.filled", { count: filled }));
      }
      parts.push(ordered ? t("admin.did.ordered", { number: ordered.number, count: ordered.parts }) : t("admin.did.nothingToOrder"));
      return parts.join(t("admin.did.and"));
    }
  }
  if (run.task === "messages.deliver") {
    const delivered = detail.match(DELIVERED)?.groups;
    if (delivered) {
      return t("admin.did.messages", delivered);
    }
    if (LOGGED.test(detail)) {
      return t("admin.did.messagesLogged");
    }
  }
  if (run.task === "campaigns.send") {
    const sent = detail.match(CAMPAIGNS)?.groups;
    if (sent) {
      return t("admin.did.campaigns", sent);
    }
  }
  if (run.task === "returns.watch") {
    const returned = detail.match(RETURNS)?.groups;
    if (returned) {
      return t("admin.did.returns", returned);
    }
  }
  if (run.task === "settlements.monthly") {
    const settled = detail.match(SETTLED)?.groups;
    if (settled) {
      const made = detail.match(MADE)?.groups;
      return (made ? t("admin.did.statements", made) : "") + t("admin.did.settled", settled);
    }
  }
  const [pattern, key] = SAID[run.task] ?? [];
  const count = pattern ? detail.match(pattern)?.groups.count : undefined;
  return count === undefined ? detail : t(key, { count });
}

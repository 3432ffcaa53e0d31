// Today's and upcoming jobs, from what the device holds: it opens the same with or without signal.

import { t, when } from "../i18n/index.js";
import { all } from "../store.js";
import { h } from "./dom.js";

const OPEN = new Set(["new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts"]);

function localDay(iso) {
  return iso ? new Date(iso).toDateString() : null;
}

export class JobList {
  constructor({ db }) {
    this.db = db;
    this.root = h("section", { class: "job-list", "data-testid": "job-list" });
  }

  async render() {
    const jobs = (await all(this.db, "job")).map((held) => ({ ...held.data, pending: held.pending ?? 0 }));
    const today = new Date().toDateString();
    const byAppointment = (a, b) => (a.appointment_at ?? a.created_at ?? "").localeCompare(b.appointment_at ?? b.created_at ?? "");
    const open = jobs.filter((job) => OPEN.has(job.state)).sort(byAppointment);
    const groups = [
      ["jobs.today", open.filter((job) => localDay(job.appointment_at) === today)],
      ["jobs.upcoming", open.filter((job) => localDay(job.appointment_at) !== today)],
      ["jobs.done", jobs.filter((job) => !OPEN.has(job.state)).sort(byAppointment).reverse()],
    ];
    const sections = groups
      .filter(([, items]) => items.length)
      .map(([title, items]) => h("section", {}, h("h2", {}, t(title)), h("ul", {}, items.map((job) => this.item(job)))));
    this.root.replaceChildren(
      h("h1", {}, t("jobs.title")),
      ...(sections.length ? sections : [h("p", { class: "empty" }, t("jobs.empty"))]),
    );
    return this.root;
  }

  item(job) {
    const request = job.request ?? {};
    return h(
      "li",
      { dataset: { jobId: job.id, state: job.state } },
      h(
        "a",
        { href: `#/jobs/${job.id}` },
        h("span", { class: `state state-${job.state}` }, t(`job.state.${job.state}`)),
        h("strong", {}, job.number),
        h("span", {}, `${request.customer_name ?? ""} · ${request.model ?? ""}`),
        h("span", { class: "address" }, request.address ?? ""),
        job.appointment_at ? h("time", { datetime: job.appointment_at }, when(job.appointment_at)) : null,
        job.pending ? h("span", { class: "pending-mark" }, t("job.pendingSync")) : null,
      ),
    );
  }
}

// The admin's SLA policies: for each area class (city, county, remote) how long a job may take to contact the
// customer, to arrive and to complete, in hours from its creation. Jobs created from then on get the new
// deadlines; open jobs keep theirs.

import { OK, h, notice, problem, t } from "./kit.js";
import { field, reveal, showFieldProblems, warn } from "./admin-shared.js";

const STAGES = ["contact", "arrive", "complete"];
// The server's bound: 90 days.
const MOST_MINUTES = 60 * 24 * 90;

export class SlaTab {
  constructor({ api }) {
    this.api = api;
    this.root = h("div", { class: "admin-sla", "data-testid": "admin-sla" });
    this.note = notice();
  }

  async render() {
    const answer = await this.api.get("/api/admin/sla-policies");
    if (answer.kind !== OK) {
      this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(answer)));
      return this.root;
    }
    this.root.replaceChildren(
      h("p", { class: "hint" }, t("admin.sla.about")),
      this.note.element,
      h("div", { class: "sla-policies" }, answer.body.map((policy) => this.form(policy))),
    );
    return this.root;
  }

  form(policy) {
    const area = policy.area_class;
    const inputs = STAGES.map((stage) =>
      h("input", {
        type: "number",
        name: `${stage}_minutes`,
        id: `sla-${area}-${stage}`,
        min: 0.25,
        max: MOST_MINUTES / 60,
        step: "any",
        inputmode: "decimal",
        value: hours(policy[`${stage}_minutes`]),
      }),
    );
    const form = h(
      "form",
      { novalidate: true, class: "panel sla-policy", "data-area": area, "aria-labelledby": `sla-${area}-title` },
      h(
        "h2",
        { id: `sla-${area}-title` },
        t(`admin.area.${area}`),
        " ",
        h("span", { class: `state ${policy.default ? "state-default" : "state-set"}`, "data-testid": "sla-standing" }, t(policy.default ? "admin.sla.default" : "admin.sla.set")),
      ),
      h("p", { class: "hint" }, t(`admin.areaHint.${area}`)),
      h("div", { class: "sla-fields" }, STAGES.map((stage, i) => field(t(`admin.sla.${stage}`), inputs[i]))),
      h("button", { type: "submit", class: "primary", "data-action": "save-sla" }, t("admin.sla.save")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      this.save(form, area, inputs).finally(() => {
        button.disabled = false;
      });
    });
    return form;
  }

  async save(form, area, inputs) {
    const minutes = inputs.map((input) => Math.round(Number(input.value) * 60));
    const problems = {};
    STAGES.forEach((stage, i) => {
      if (inputs[i].value.trim() === "" || !Number.isFinite(minutes[i]) || minutes[i] < 1 || minutes[i] > MOST_MINUTES) {
        problems[`${stage}_minutes`] = t("admin.sla.invalid.range", { most: MOST_MINUTES / 60 });
      }
    });
    if (!Object.keys(problems).length && !(minutes[0] <= minutes[1] && minutes[1] <= minutes[2])) {
      problems.arrive_minutes = t("admin.sla.invalid.order");
    }
    if (showFieldProblems(form, problems)) {
      warn(this.note, t("admin.fixFields"));
      return;
    }
    const body = Object.fromEntries(STAGES.map((stage, i) => [`${stage}_minutes`, minutes[i]]));
    const answer = await this.api.request("PUT", `/api/admin/sla-policies/${area}`, { json: body });
    if (answer.kind !== OK) {
      const fields = answer.kind === "error" ? (answer.details?.fields ?? {}) : {};
      showFieldProblems(form, Object.fromEntries(Object.keys(fields).map((name) => [name, t(name === "arrive_minutes" ? "admin.sla.invalid.order" : "admin.sla.invalid.range", { most: MOST_MINUTES / 60 })])));
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    await this.render();
    this.note.ok(t("admin.sla.saved", { area: t(`admin.area.${area}`) }));
    reveal(this.note);
  }
}

// Minutes as hours for the form: whole where they are, else to two decimals (100 minutes → 1.67).
export function hours(minutes) {
  return String(Math.round((minutes / 60) * 100) / 100);
}

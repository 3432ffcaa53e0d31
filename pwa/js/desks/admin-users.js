// The admin's users: the list (role, and the provider or province each works for, by name), filtered and
// sorted in the address; a new user with what the role needs (a provider's staff their provider, a parts
// clerk their province); and, for one user, a new password and deactivation (or bringing them back).
//
// #/admin/users?role=…&provider=…&page=…&sort=…   the list
// #/admin/users/new                              the list and the form of a new user
// #/admin/users/<username>                       the list and that user

import { OK, action, h, notice, problem, setQuery, sortedTable, t, time } from "./kit.js";
import { everything, field, pager, reveal, roleName, showCase, showFieldProblems, warn } from "./admin-shared.js";

const ROLES = ["agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor", "supervisor", "admin"];
const PROVIDER_ROLES = new Set(["technician", "provider_manager"]);
// A parts clerk works for one province; a dispatcher for one, or for the whole country without.
const PROVINCE_ROLES = new Set(["parts_clerk", "dispatcher"]);
const PER_PAGE = 100;
const USERNAME = /^[a-z0-9][a-z0-9_.-]{1,63}$/;

// A sentence to show on the next screen (after a change of address draws a new one).
let flash = null;

export class UsersTab {
  constructor({ api, user, path, query }) {
    this.api = api;
    this.me = user;
    this.selected = path[0] ?? null;
    this.query = query;
    this.root = h("div", { class: "admin-users", "data-testid": "admin-users" });
  }

  async render() {
    const role = this.query.get("role") ?? "";
    const provider = this.query.get("provider") ?? "";
    const page = Number(this.query.get("page")) || 1;
    const [list, providers, provinces, one] = await Promise.all([
      this.api.get("/api/admin/users", { page, per_page: PER_PAGE, ...(role && { role }), ...(provider && { provider_code: provider }) }),
      everything(this.api, "/api/admin/providers"),
      everything(this.api, "/api/admin/regions", { level: "province" }),
      this.selected && this.selected !== "new" ? this.api.get(`/api/admin/users/${encodeURIComponent(this.selected)}`) : null,
    ]);
    const failed = [list, providers, provinces].find((answer) => answer.kind !== OK);
    if (failed) {
      this.root.replaceChildren(h("p", { class: "notice error", role: "alert" }, problem(failed)));
      return this.root;
    }
    this.providers = new Map(providers.items.map((each) => [each.code, each]));
    this.provinces = new Map(provinces.items.map((each) => [each.code, each]));
    this.regions = new Map(this.provinces);
    // A user may work for a region that is no province (set by an import): its name is read on its own.
    const others = [...new Set([...list.body.items, one?.kind === OK ? one.body : null].filter((each) => each?.region_code && !this.regions.has(each.region_code)).map((each) => each.region_code))];
    for (const answer of await Promise.all(others.map((code) => this.api.get(`/api/admin/regions/${encodeURIComponent(code)}`)))) {
      if (answer.kind === OK) {
        this.regions.set(answer.body.code, answer.body);
      }
    }
    this.note = notice();
    const flashed = Boolean(flash);
    if (flash) {
      this.note.ok(flash);
      flash = null;
    }
    const queue = h(
      "div",
      {},
      this.filters(role, provider),
      sortedTable({
        testId: "users",
        caption: t("admin.users.caption"),
        sort: this.query.get("sort") ?? "",
        rows: list.body.items,
        rowAttributes: (each) => ({ "data-username": each.username, class: each.username === this.selected ? "selected" : null }),
        columns: [
          {
            key: "username",
            label: t("admin.users.user"),
            value: (each) => each.username,
            cell: (each) => [h("a", { href: this.link(each.username) }, each.username), each.display_name ? h("span", { class: "sub" }, each.display_name) : null],
          },
          { key: "role", label: t("admin.users.role"), value: (each) => roleName(each.role) },
          { key: "place", label: t("admin.users.worksFor"), value: (each) => this.worksFor(each) },
          { key: "active", label: t("admin.users.status"), value: (each) => (each.active ? t("admin.users.active") : t("admin.users.inactive")), cell: (each) => status(each) },
        ],
      }),
      pager({ page, pages: list.body.pages, total: list.body.total, go: (next) => setQuery({ page: next }) }),
    );
    return showCase(this, {
      queue,
      one,
      selected: this.selected,
      flashed,
      forNew: () => this.createForm(),
      forItem: (body) => this.detail(body),
      empty: t("admin.users.choose"),
    });
  }

  // The address of one user (or of the new-user form), keeping the list's filters and sort.
  link(name) {
    const kept = this.query.toString();
    return `#/admin/users/${encodeURIComponent(name)}${kept ? `?${kept}` : ""}`;
  }

  filters(role, provider) {
    const roles = h(
      "select",
      { name: "role", onchange: (event) => setQuery({ role: event.target.value, page: "" }, "#/admin/users") },
      h("option", { value: "" }, t("admin.users.allRoles")),
      ROLES.map((each) => h("option", { value: each, selected: each === role }, roleName(each))),
    );
    const providers = h(
      "select",
      { name: "provider", onchange: (event) => setQuery({ provider: event.target.value, page: "" }, "#/admin/users") },
      h("option", { value: "" }, t("admin.users.allProviders")),
      [...this.providers.values()].map((each) => h("option", { value: each.code, selected: each.code === provider }, each.name)),
    );
    return h(
      "div",
      { class: "filters" },
      h("label", {}, t("admin.users.role"), roles),
      h("label", {}, t("admin.users.provider"), providers),
      h("a", { class: "button primary", href: this.link("new"), "data-action": "new-user" }, t("admin.users.new")),
    );
  }

  // Whom a user works for, by name: their provider, their province, or headquarters (the whole country).
  worksFor(user) {
    if (user.provider_code) {
      return this.providers.get(user.provider_code)?.name ?? user.provider_code;
    }
    if (user.region_code) {
      return this.regions.get(user.region_code)?.name ?? user.region_code;
    }
    return user.role === "dispatcher" ? t("admin.users.wholeCountry") : t("admin.users.headquarters");
  }

  detail(user) {
    const mine = user.username === this.me.username;
    const facts = h(
      "dl",
      { "data-testid": "user-facts" },
      h("dt", {}, t("admin.users.username")),
      h("dd", {}, user.username),
      h("dt", {}, t("admin.users.name")),
      h("dd", {}, user.display_name || "—"),
      h("dt", {}, t("admin.users.role")),
      h("dd", {}, roleName(user.role)),
      h("dt", {}, t("admin.users.worksFor")),
      h("dd", {}, this.worksFor(user)),
      h("dt", {}, t("admin.users.status")),
      h("dd", {}, status(user)),
      h("dt", {}, t("admin.users.created")),
      h("dd", {}, time(user.created_at)),
    );
    const password = h("input", { type: "password", name: "password", id: "new-password", autocomplete: "new-password", minlength: 8, maxlength: 256 });
    const reset = h(
      "form",
      { novalidate: true, class: "reset-password", "aria-label": t("admin.users.resetTitle") },
      h("h3", {}, t("admin.users.resetTitle")),
      field(t("admin.users.newPassword"), password, t("admin.users.passwordHint")),
      h("button", { type: "submit", "data-action": "reset-password" }, t("admin.users.reset")),
    );
    reset.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = reset.querySelector("button");
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      this.resetPassword(user, reset, password).finally(() => {
        button.disabled = false;
      });
    });
    const standing = user.active
      ? action("deactivate", t("admin.users.deactivate"), () => this.setActive(user, false), { class: "danger", disabled: mine })
      : action("activate", t("admin.users.activate"), () => this.setActive(user, true), { class: "primary" });
    return h(
      "section",
      { class: "panel user-detail", "data-testid": "user-detail", "aria-label": user.username },
      h("h2", {}, user.display_name || user.username),
      facts,
      reset,
      h("div", { class: "standing" }, standing, h("p", { class: "hint" }, mine ? t("admin.users.notYourself") : t(user.active ? "admin.users.deactivateHint" : "admin.users.activateHint"))),
    );
  }

  async resetPassword(user, form, input) {
    const problems = passwordProblem(input.value) ? { password: passwordProblem(input.value) } : {};
    if (showFieldProblems(form, problems)) {
      return;
    }
    const answer = await this.api.request("PATCH", `/api/admin/users/${encodeURIComponent(user.username)}`, { json: { password: input.value } });
    if (answer.kind !== OK) {
      showFieldProblems(form, fieldTexts(answer));
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    input.value = "";
    this.note.ok(t("admin.users.passwordSet", { username: user.username }));
    reveal(this.note);
  }

  async setActive(user, active) {
    const answer = await this.api.request("PATCH", `/api/admin/users/${encodeURIComponent(user.username)}`, { json: { active } });
    if (answer.kind !== OK) {
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    flash = t(active ? "admin.users.activated" : "admin.users.deactivated", { username: user.username });
    await this.render();
  }

  createForm() {
    const username = h("input", { name: "username", id: "new-username", autocomplete: "off", maxlength: 64, spellcheck: "false" });
    const name = h("input", { name: "display_name", id: "new-display-name", maxlength: 128 });
    const role = h("select", { name: "role", id: "new-role" }, h("option", { value: "" }, t("admin.users.chooseRole")), ROLES.map((each) => h("option", { value: each }, roleName(each))));
    const provider = h(
      "select",
      { name: "provider_code", id: "new-provider" },
      h("option", { value: "" }, t("admin.users.chooseProvider")),
      [...this.providers.values()].filter((each) => each.active).map((each) => h("option", { value: each.code }, each.name)),
    );
    const province = h("select", { name: "region_code", id: "new-province" }, h("option", { value: "" }, ""), [...this.provinces.values()].map((each) => h("option", { value: each.code }, each.name)));
    const password = h("input", { type: "password", name: "password", id: "new-user-password", autocomplete: "new-password", minlength: 8, maxlength: 256 });
    const providerField = field(t("admin.users.provider"), provider);
    const provinceField = field(t("admin.users.province"), province);
    const fit = () => {
      providerField.hidden = !PROVIDER_ROLES.has(role.value);
      provinceField.hidden = !PROVINCE_ROLES.has(role.value);
      // A dispatcher without a province dispatches for the whole country; a parts clerk needs one.
      province.options[0].textContent = role.value === "dispatcher" ? t("admin.users.wholeCountry") : t("admin.users.chooseProvince");
    };
    role.addEventListener("change", fit);
    const form = h(
      "form",
      { novalidate: true, class: "panel user-form", "data-testid": "user-form", "aria-label": t("admin.users.new") },
      h("h2", {}, t("admin.users.new")),
      field(t("admin.users.username"), username, t("admin.users.usernameHint")),
      field(t("admin.users.name"), name),
      field(t("admin.users.role"), role),
      providerField,
      provinceField,
      field(t("admin.users.password"), password, t("admin.users.passwordHint")),
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-action": "create-user" }, t("admin.users.create")), h("a", { class: "button", href: "#/admin/users" }, t("admin.cancel"))),
    );
    fit();
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("[data-action=create-user]");
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      const values = {
        username: username.value.trim().toLowerCase(),
        display_name: name.value.trim(),
        role: role.value,
        password: password.value,
        provider_code: PROVIDER_ROLES.has(role.value) ? provider.value : null,
        region_code: PROVINCE_ROLES.has(role.value) && province.value ? province.value : null,
      };
      this.create(form, values).finally(() => {
        button.disabled = false;
      });
    });
    return form;
  }

  async create(form, values) {
    const problems = {};
    if (!USERNAME.test(values.username)) {
      problems.username = t("admin.users.invalid.username");
    }
    if (!values.role) {
      problems.role = t("admin.users.invalid.role");
    }
    if (PROVIDER_ROLES.has(values.role) && !values.provider_code) {
      problems.provider_code = t("admin.users.invalid.provider_code");
    }
    if (values.role === "parts_clerk" && !values.region_code) {
      problems.region_code = t("admin.users.invalid.region_code");
    }
    if (passwordProblem(values.password)) {
      problems.password = passwordProblem(values.password);
    }
    if (showFieldProblems(form, problems)) {
      warn(this.note, t("admin.fixFields"));
      return;
    }
    const answer = await this.api.post("/api/admin/users", values);
    if (answer.code === "already_exists") {
      // A 409, yet nothing on this screen is out of date: the name belongs to someone else.
      showFieldProblems(form, { username: t("admin.users.taken") });
      warn(this.note, t("admin.users.taken"));
      reveal(this.note);
      return;
    }
    if (answer.kind !== OK) {
      showFieldProblems(form, fieldTexts(answer));
      this.note.fail(answer);
      reveal(this.note);
      return;
    }
    flash = t("admin.users.createdDone", { username: answer.body.username, role: roleName(answer.body.role) });
    location.hash = `#/admin/users/${encodeURIComponent(answer.body.username)}`;
  }
}

function status(user) {
  return h("span", { class: `state ${user.active ? "state-active" : "state-inactive"}` }, user.active ? t("admin.users.active") : t("admin.users.inactive"));
}

function passwordProblem(password) {
  return password.length < 8 || password.length > 256 ? t("admin.users.invalid.password") : null;
}

// The server's refusal of a form, field by field, in the user's language (the sentence of each field it named).
function fieldTexts(answer) {
  const fields = answer.kind === "error" ? (answer.details?.fields ?? {}) : {};
  return Object.fromEntries(Object.keys(fields).map((name) => [name, t(`admin.users.invalid.${name}`)]));
}

// The admin's desk (系统管理): imports of reference data and sale records, users, SLA policies, the scheduler's
// runs, the knowledge base editor and the messages sent to customers, one tab each with its own address: #/admin/<tab>/… (imports first).

import { addStrings } from "../i18n/index.js";
import { ImportsTab } from "./admin-imports.js";
import { KnowledgeTab } from "./admin-knowledge.js";
import { MessagesTab } from "./admin-messages.js";
import { SchedulerTab } from "./admin-scheduler.js";
import { SlaTab } from "./admin-sla.js";
import strings from "./admin-strings.js";
import { UsersTab } from "./admin-users.js";
import { h, t, useStyles } from "./kit.js";

addStrings(strings);

const TABS = [
  { name: "imports", label: "admin.tab.imports", Tab: ImportsTab },
  { name: "users", label: "admin.tab.users", Tab: UsersTab },
  { name: "sla", label: "admin.tab.sla", Tab: SlaTab },
  { name: "scheduler", label: "admin.tab.scheduler", Tab: SchedulerTab },
  { name: "knowledge", label: "admin.tab.knowledge", Tab: KnowledgeTab },
  { name: "messages", label: "admin.tab.messages", Tab: MessagesTab },
];

export class View {
  constructor({ api, user, path, query }) {
    this.online = true;
    this.current = TABS.find((each) => each.name === path[0]) ?? TABS[0];
    this.tab = new this.current.Tab({ api, user, path: path.slice(1), query });
    this.root = h("section", { class: "admin-desk", "data-testid": "admin-desk", "data-tab": this.current.name });
  }

  async render() {
    useStyles("admin");
    const body = await this.tab.render();
    const tabs = TABS.map((each) =>
      h(
        "a",
        { href: `#/admin/${each.name}`, "data-tab": each.name, class: each === this.current ? "current" : null, "aria-current": each === this.current ? "page" : null },
        t(each.label),
      ),
    );
    this.root.replaceChildren(h("h1", {}, t("admin.title")), h("nav", { class: "tabs admin-tabs", "aria-label": t("admin.tabs") }, tabs), body);
    return this.root;
  }
}

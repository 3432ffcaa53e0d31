// The provider manager's tabs, one row for the whole of their work: the team desk's screens (#/team/…) and the
// claim desk's (#/claims, #/account) beside them, so that every screen reaches every other in one tap.

import { addStrings } from "../i18n/index.js";
import { h, t } from "./kit.js";
import strings from "./provider-strings.js";

addStrings(strings);

export const TABS = [
  ["team", "#/team"],
  ["parts", "#/team/parts"],
  ["close", "#/team/close"],
  ["returns", "#/team/returns"],
  ["statements", "#/team/statements"],
  ["claims", "#/claims"],
  ["account", "#/account"],
];

export function providerTabs(current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": t("team.tabs") },
    TABS.map(([name, href]) =>
      h(
        "a",
        { href, class: name === current ? "tab current" : "tab", "aria-current": name === current ? "page" : null, "data-tab": name },
        t(`team.tab.${name}`),
      ),
    ),
  );
}

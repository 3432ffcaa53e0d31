// What an online desk shows when the server said no: the refusal in the user's language where the app knows
// its code, the server's own words otherwise, and field by field for a form.

import { OK } from "../api.js";
import { t } from "../i18n/index.js";

export function problem(answer) {
  if (answer.kind === OK) {
    return "";
  }
  if (answer.kind === "retry") {
    return t("error.network");
  }
  if (answer.kind === "login") {
    return t("sync.loginNeeded");
  }
  const known = `error.${answer.code}`;
  const text = t(known);
  return text === known ? t("error.generic", { message: answer.message || answer.code }) : text;
}

// {field: [message]} of a refused form (the envelope's details.fields), or {} when the refusal is not a form's.
export function fieldProblems(answer) {
  return answer.kind === "error" ? (answer.details?.fields ?? {}) : {};
}

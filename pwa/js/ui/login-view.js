// Sign-in: the only screen that needs the network.

import { t } from "../i18n/index.js";
import * as session from "../session.js";
import { h } from "./dom.js";

export class LoginView {
  constructor({ onSignedIn, expired = false }) {
    const message = h("p", { class: "message", role: "alert" }, expired ? t("login.expired") : "");
    const username = h("input", { name: "username", autocomplete: "username", required: true });
    const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    const submit = h("button", { type: "submit" }, t("login.submit"));
    const form = h(
      "form",
      { class: "login" },
      h("h1", {}, t("login.title")),
      h("label", {}, t("login.username"), username),
      h("label", {}, t("login.password"), password),
      submit,
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      const result = await session.signIn(username.value.trim(), password.value);
      submit.disabled = false;
      if (result.ok) {
        onSignedIn(result.session);
      } else {
        message.textContent = signInProblem(result);
      }
    });
    this.root = form;
  }
}

// Why a sign-in did not go through, in the user's language; a wait is told in whole minutes, at least one.
export function signInProblem(result) {
  if (result.reason === "throttled") {
    return t("login.throttled", { minutes: Math.max(1, Math.ceil(result.retryAfter / 60)) });
  }
  return t(result.reason === "offline" ? "login.offline" : "login.failed");
}

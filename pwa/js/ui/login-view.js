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
        message.textContent = t(result.reason === "offline" ? "login.offline" : "login.failed");
      }
    });
    this.root = form;
  }
}

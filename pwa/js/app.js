// The app: sign-in, the device's database and sync engine for the signed-in person, and the views.

import { databaseFor, openDatabase } from "./db.js";
import { Api } from "./api.js";
import { language, setLanguage, t } from "./i18n/index.js";
import * as session from "./session.js";
import { SyncEngine } from "./sync.js";
import { h } from "./ui/dom.js";
import { JobDetail } from "./ui/job-detail.js";
import { JobList } from "./ui/job-list.js";
import { LoginView } from "./ui/login-view.js";
import { RequisitionDesk } from "./ui/requisitions.js";
import { Scanner } from "./ui/scanner.js";
import { SyncBar } from "./ui/sync-bar.js";

const SYNC_EVERY_MS = 3 * 60_000;

class App {
  constructor(root) {
    this.root = root;
    this.header = h("header", { class: "top" });
    this.main = h("main", { id: "view" });
    this.root.replaceChildren(this.header, this.main);
    this.view = null;
  }

  async start() {
    document.documentElement.lang = language();
    // Ask the browser not to evict the outbox under storage pressure.
    globalThis.navigator.storage?.persist?.().catch(() => {});
    const signedIn = session.current();
    if (!signedIn) {
      this.showLogin(false);
      return;
    }
    await this.open(signedIn.user);
  }

  showLogin(expired) {
    this.header.replaceChildren(this.languageButton());
    this.main.replaceChildren(
      new LoginView({
        expired,
        onSignedIn: async (signedIn) => {
          if (this.user && this.user.id === signedIn.user.id) {
            // The same person again (the token had expired): carry on where they were.
            this.renderHeader();
            await this.route();
            this.engine.sync().catch(() => {});
            return;
          }
          await this.open(signedIn.user);
        },
      }).root,
    );
  }

  async open(user) {
    this.user = user;
    this.db = await openDatabase(databaseFor(user.id));
    this.api = new Api({ getToken: async () => session.token() });
    this.engine = new SyncEngine({ db: this.db, api: this.api });
    this.bar = new SyncBar(this.engine);
    this.scanner = new Scanner({ db: this.db });
    globalThis.sanbao = { engine: this.engine, db: this.db }; // for the end-to-end tests and support
    this.engine.addEventListener("status", (event) => {
      // After a pull the views show what arrived; a form being filled in is left alone.
      if (event.detail.phase === "idle" && !this.view?.form) {
        this.refresh();
      }
      if (event.detail.pending > 0) {
        // Where the browser has Background Sync, it wakes the app to sync when the network returns.
        navigator.serviceWorker?.ready.then((registration) => registration.sync?.register("sanbao-sync")).catch(() => {});
      }
    });
    globalThis.addEventListener("online", () => this.engine.sync().catch(() => {}));
    globalThis.addEventListener("hashchange", () => this.route());
    setInterval(() => this.engine.sync().catch(() => {}), SYNC_EVERY_MS);
    navigator.serviceWorker?.addEventListener("message", (event) => {
      if (event.data === "sync") {
        this.engine.sync().catch(() => {});
      }
    });
    this.renderHeader();
    await this.engine.refresh();
    await this.route();
    // The barcode reader is fetched for offline use after the first sync, never before the app has opened.
    this.engine.sync().catch(() => {}).then(() => this.scanner.warmUp());
  }

  renderHeader() {
    const signOut = h("button", { type: "button", class: "sign-out" }, t("app.signOut"));
    signOut.addEventListener("click", () => {
      session.signOut();
      location.hash = "";
      location.reload();
    });
    const links = [];
    if (this.user.role === "technician" || this.user.role === "provider_manager") {
      links.push(h("a", { href: "#/jobs" }, t("nav.jobs")));
    }
    if (this.user.role === "parts_clerk" || this.user.role === "admin") {
      links.push(h("a", { href: "#/requisitions" }, t("nav.requisitions")));
    }
    this.header.replaceChildren(
      h("nav", {}, links),
      this.languageButton(),
      signOut,
      this.bar.root,
    );
  }

  languageButton() {
    const button = h("button", { type: "button", class: "language", "data-testid": "language" }, t("app.language"));
    button.addEventListener("click", async () => {
      setLanguage(language() === "en" ? "zh-CN" : "en");
      if (this.user) {
        this.renderHeader();
        this.bar.render(this.engine.status);
        await this.refresh();
      } else {
        this.showLogin(false);
      }
    });
    return button;
  }

  async route() {
    if (location.hash === "#/login") {
      this.showLogin(true);
      return;
    }
    const job = location.hash.match(/^#\/jobs\/(\d+)$/);
    const requisition = location.hash.match(/^#\/requisitions(?:\/(\d+))?$/);
    const desk = this.user.role === "parts_clerk" || (this.user.role === "admin" && !location.hash.startsWith("#/jobs"));
    if (job) {
      this.view = new JobDetail({ db: this.db, engine: this.engine, jobId: job[1], scanner: this.scanner });
    } else if (requisition || desk) {
      this.view = new RequisitionDesk({ api: this.api, requisitionId: requisition?.[1] ?? null });
    } else {
      this.view = new JobList({ db: this.db });
    }
    this.main.replaceChildren(await this.view.render());
  }

  async refresh() {
    if (this.view) {
      await this.view.render();
    }
  }
}

// A new version never interrupts work: it waits, is offered, and takes over only with the outbox empty
// (the ops in it were made by this version's code and are sent by it).
async function offerUpdates(app) {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  const registration = await navigator.serviceWorker.register("/sw.js", { type: "module" }).catch(() => null);
  if (!registration) {
    return;
  }
  let reloading = false;
  // A first visit's worker claiming the page (clients.claim) is no new version: reloading then would wipe
  // the sign-in form being filled in.
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!controlled) {
      controlled = true;
      return;
    }
    if (!reloading) {
      reloading = true;
      location.reload();
    }
  });
  const offer = (worker) => {
    const button = h("button", { type: "button", "data-testid": "update-now" }, t("app.updateNow"));
    const banner = h("div", { class: "update", role: "status" }, t("app.update"), " ", button);
    const activateWhenEmpty = async () => {
      const pending = app.engine ? app.engine.status.pending : 0;
      if (pending === 0) {
        worker.postMessage("activate");
      } else {
        await app.engine.sync().catch(() => {});
        if (app.engine.status.pending === 0) {
          worker.postMessage("activate");
        }
      }
    };
    button.addEventListener("click", activateWhenEmpty);
    app.root.prepend(banner);
  };
  if (registration.waiting && navigator.serviceWorker.controller) {
    offer(registration.waiting);
  }
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) {
        offer(worker);
      }
    });
  });
}

const app = new App(document.getElementById("app"));
app.start().then(() => offerUpdates(app));

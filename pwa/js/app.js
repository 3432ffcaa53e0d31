// The app: sign-in, the device's database and sync engine for the signed-in person, and the views.

import { deleteDB } from "idb";

import { databaseFor, openDatabase } from "./db.js";
import { Api } from "./api.js";
import { language, setLanguage, t } from "./i18n/index.js";
import * as session from "./session.js";
import { SyncEngine } from "./sync.js";
import { HOMES, deskRoute, desksFor } from "./desks/registry.js";
import { Bell } from "./ui/bell.js";
import { h } from "./ui/dom.js";
import { JobDetail } from "./ui/job-detail.js";
import { JobList } from "./ui/job-list.js";
import { pruneRecords } from "./ui/job-record.js";
import { LoginView } from "./ui/login-view.js";
import { SyncBar } from "./ui/sync-bar.js";

// The technician's screens and tools not needed to open the app: loaded when first used, from the service
// worker's cache offline (EXTRAS in js/strategies.js).
const LATER = {
  knowledge: () => import("./ui/knowledge.js"),
  refused: () => import("./ui/refused.js"),
  scanner: () => import("./ui/scanner.js"),
  signOut: () => import("./ui/sign-out.js"),
};

// The office screens the app also serves (claims, parts approvals, reports) ask the server for everything, so
// they are no part of the offline shell: a technician's phone never loads them, a desk loads each when first
// shown.
const ONLINE_SCREENS = {
  claims: () => import("./ui/claims.js"),
  requisitions: () => import("./ui/requisitions.js"),
  reports: () => import("./ui/reports.js"),
};

const SYNC_EVERY_MS = 3 * 60_000;
// Roles whose work lives on the device and syncs (as the server's sync endpoints allow).
const DEVICE_ROLES = new Set(["technician", "provider_manager", "parts_clerk"]);

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
            history.replaceState(null, "", this.lastHash || location.pathname);
            await this.route();
            this.syncNow();
            return;
          }
          await this.open(signedIn.user);
        },
      }).root,
    );
    this.offerKeptWork();
  }

  // Work kept from a sign-out that dropped it: offered again on the sign-in screen, until a later one.
  async offerKeptWork() {
    const leaving = await LATER.signOut().catch(() => null);
    const file = leaving?.kept().at(-1);
    if (file && this.main.querySelector("form.login")) {
      const save = h("button", { type: "button", onclick: () => leaving.download(file) }, t("signout.saveKept"));
      this.main.append(h("p", { class: "kept-work", "data-testid": "kept-work" }, t("signout.kept"), " ", save));
    }
  }

  async open(user) {
    this.user = user;
    this.db = await openDatabase(databaseFor(user.id));
    this.api = new Api({ getToken: async () => session.token() });
    this.engine = new SyncEngine({ db: this.db, api: this.api });
    this.bar = new SyncBar(this.engine);
    // One scanner for the app's life, made at its first use.
    this.scanner = () => (this.scanning ??= LATER.scanner().then(({ Scanner }) => new Scanner({ db: this.db })));
    // A new notice (a job given, parts shipped) brings its data at once: a sync, rather than at the next round.
    this.bell = new Bell({ api: this.api, user, onNews: () => this.syncNow() });
    // The report screens' roles, for the header's link: loaded for the office roles only.
    this.reports = user.role === "technician" ? null : await ONLINE_SCREENS.reports().catch(() => null);
    globalThis.sanbao = { engine: this.engine, db: this.db, app: this }; // for the end-to-end tests and support
    let rounds = this.engine.status.rounds;
    this.engine.addEventListener("status", (event) => {
      // After a round the views show what it brought, and the bell what the server has to say (new jobs,
      // parts shipped); a form being filled in is left alone, and so are the desks that show the server's
      // figures rather than the device's. A tap's own write redraws its view itself.
      if (event.detail.rounds !== rounds) {
        rounds = event.detail.rounds;
        if (!this.view?.form && !this.view?.online) {
          this.refresh();
        }
        if (!event.detail.problem) {
          this.bell.load();
          pruneRecords(this.db).catch(() => {});
        }
      }
      if (event.detail.pending > 0 && event.detail.phase === "idle" && event.detail.problem?.code === "network") {
        // Where the browser has Background Sync, it wakes the app to sync when the network returns. Asked
        // only when a round found no network: asked after every round, a round that cannot succeed online
        // (a sign-in needed, the server down) would be woken again at once, over and over.
        navigator.serviceWorker?.ready.then((registration) => registration.sync?.register("sanbao-sync")).catch(() => {});
      }
    });
    globalThis.addEventListener("online", () => this.syncNow());
    // Back to the app after the dialer or the map: what happened meanwhile.
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.syncNow());
    globalThis.addEventListener("hashchange", () => this.route());
    setInterval(() => this.syncNow(), SYNC_EVERY_MS);
    navigator.serviceWorker?.addEventListener("message", (event) => {
      if (event.data === "sync") {
        this.syncNow();
      }
    });
    this.renderHeader();
    await Promise.all([this.engine.refresh(), this.route()]);
    // The barcode reader is fetched for offline use after the first sync, never before the app has opened.
    this.syncNow().then(async () => (await this.scanner().catch(() => null))?.warmUp());
  }

  // Only the roles with work on the device sync (the server refuses the others' pulls): the office
  // desks ask the server for every screen.
  syncNow() {
    return DEVICE_ROLES.has(this.user?.role) ? this.engine.sync().catch(() => {}) : Promise.resolve();
  }

  renderHeader() {
    const signOut = h("button", { type: "button", class: "sign-out", "data-testid": "sign-out-button" }, t("app.signOut"));
    signOut.addEventListener("click", () => this.signOut());
    const links = [];
    for (const desk of desksFor(this.user.role)) {
      links.push(h("a", { href: `#/${desk.name}`, "data-testid": `nav-${desk.name}` }, t(desk.nav)));
    }
    if (this.user.role === "technician" || this.user.role === "provider_manager") {
      links.push(h("a", { href: "#/jobs" }, t("nav.jobs")));
      links.push(h("a", { href: "#/knowledge", "data-testid": "nav-knowledge" }, t("nav.knowledge")));
    }
    if (this.user.role === "provider_manager") {
      links.push(h("a", { href: "#/claims" }, t("nav.claims")));
    }
    if (this.user.role === "parts_clerk" || this.user.role === "admin") {
      links.push(h("a", { href: "#/requisitions" }, t("nav.requisitions")));
    }
    if (this.reports?.reportsFor(this.user.role).length) {
      links.push(h("a", { href: "#/reports" }, t("nav.reports")));
    }
    // The sync bar only for the roles that sync: replaceChildren would write a null out as the text "null".
    const sync = DEVICE_ROLES.has(this.user.role) ? [this.bar.root] : [];
    this.header.replaceChildren(h("nav", { "aria-label": t("nav.label") }, links), this.bell.root, this.languageButton(), signOut, ...sync);
    this.bell.render();
  }

  // Signing out never loses work unawares (see ui/sign-out.js): with work waiting, or without signal, the
  // person is asked first; confirmed, the work is kept in a file and this user's data leaves the phone.
  async signOut() {
    const leaving = await LATER.signOut();
    let choice = "leave";
    if (this.db && DEVICE_ROLES.has(this.user.role)) {
      const { pending, photos } = await leaving.waiting(this.db);
      if (pending || photos || !globalThis.navigator.onLine) {
        choice = await leaving.ask({ db: this.db, sync: () => this.syncNow() });
      }
    }
    if (choice === null) {
      return;
    }
    this.engine?.close();
    if (choice === "drop") {
      const file = await leaving.exportOf(this.db, this.user);
      leaving.keep(file);
      leaving.download(file);
      this.db.close();
      await deleteDB(databaseFor(this.user.id));
    }
    session.signOut();
    location.hash = "";
    location.reload();
  }

  languageButton() {
    const button = h("button", { type: "button", class: "language", "data-testid": "language" }, t("app.language"));
    button.addEventListener("click", async () => {
      setLanguage(language() === "en" ? "zh-CN" : "en");
      if (this.user) {
        this.renderHeader();
        this.bar.render(this.engine.status);
        this.bell.render();
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
    if (!location.hash || location.hash === "#/") {
      // Each role opens on its own home, never on another role's empty screen.
      history.replaceState(null, "", HOMES[this.user.role] ?? "#/jobs");
    }
    this.lastHash = location.hash; // where a new sign-in returns to
    const routed = (this.routed = (this.routed ?? 0) + 1);
    const desk = deskRoute(location.hash, this.user.role);
    if (desk) {
      const { View } = await desk.desk.load();
      this.view = new View({ api: this.api, user: this.user, path: desk.path, query: desk.query, scanner: this.scanner });
      await this.show(routed);
      return;
    }
    const job = location.hash.match(/^#\/jobs\/(\d+)$/);
    // #/knowledge, or #/knowledge?model=TV55 from a job: filtered to that model (and its category).
    const knowledge = location.hash.match(/^#\/knowledge(?:\?(.*))?$/);
    const requisition = location.hash.match(/^#\/requisitions(?:\/(\d+))?$/);
    const claims = this.user.role === "provider_manager" && claimRoute(location.hash);
    const clerk = this.user.role === "parts_clerk";
    if (job) {
      this.view = new JobDetail({ db: this.db, engine: this.engine, api: this.api, user: this.user, jobId: job[1], scanner: this.scanner });
    } else if (knowledge) {
      const { KnowledgeView } = await LATER.knowledge();
      this.view = new KnowledgeView({ db: this.db, model: new URLSearchParams(knowledge[1] ?? "").get("model") ?? "" });
    } else if (location.hash === "#/refused" && DEVICE_ROLES.has(this.user.role)) {
      const { RefusedView } = await LATER.refused();
      this.view = new RefusedView({ db: this.db, engine: this.engine });
    } else if (location.hash === "#/reports" || claims || requisition || clerk) {
      const screen = location.hash === "#/reports" ? "reports" : claims ? "claims" : "requisitions";
      const loaded = await ONLINE_SCREENS[screen]().catch(() => null);
      if (routed !== this.routed) {
        return;
      }
      if (!loaded) {
        // Not on the phone: these screens come from the server, and there is no signal.
        this.main.replaceChildren(h("p", { class: "empty", "data-testid": "needs-signal" }, t("error.network")));
        return;
      }
      if (screen === "reports") {
        this.view = new loaded.ReportsView({ api: this.api, user: this.user });
      } else if (screen === "claims") {
        this.view = new loaded.ClaimDesk({ api: this.api, user: this.user, route: claims });
      } else {
        this.view = new loaded.RequisitionDesk({ api: this.api, requisitionId: requisition?.[1] ?? null });
      }
    } else if (DEVICE_ROLES.has(this.user.role) && this.user.role !== "parts_clerk") {
      this.view = new JobList({ db: this.db, onRefresh: () => this.syncNow() });
    } else {
      // An address this role has no screen for: its home.
      location.hash = HOMES[this.user.role];
      return;
    }
    await this.show(routed);
  }

  // A screen asked for while the previous one was still loading wins: the earlier one, finishing later, is
  // not put over it. Desks are wide from 1024 px; the technician's screens stay phone-first.
  async show(routed) {
    const root = await this.view.render();
    if (routed === this.routed) {
      this.main.className = this.user.role === "technician" ? "" : "wide";
      this.main.replaceChildren(root);
    }
  }

  async refresh() {
    if (this.view) {
      await this.view.render();
    }
  }
}

// The claim desk's screens: ["list"], ["job", id], ["claim", id] or ["account"]; null for other addresses.
function claimRoute(hash) {
  if (hash === "#/claims") {
    return ["list"];
  }
  if (hash === "#/account") {
    return ["account"];
  }
  const match = hash.match(/^#\/claims\/(?:(job)\/)?(\d+)$/);
  return match ? [match[1] ? "job" : "claim", match[2]] : null;
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
  // The technician's tools not in the shell, for the day's work without signal (EXTRAS in js/strategies.js).
  navigator.serviceWorker.ready.then((ready) => ready.active?.postMessage("cache-extras")).catch(() => {});
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
        await app.syncNow();
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

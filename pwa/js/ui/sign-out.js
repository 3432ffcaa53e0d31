// Signing out. With nothing waiting and a signal, at once. Otherwise a dialog first: without signal, that
// signing in again needs one; with work waiting, the count, and no way out but syncing first or confirming that
// the work on this phone will be lost. Confirmed, the work is kept in a file the person can hand to their manager
// (every op waiting, what the server refused, and the photos' metadata), downloaded at once and kept on the
// phone so the sign-in screen can offer it again; then this user's data leaves the phone.

import { t } from "../i18n/index.js";
import { countPending } from "../outbox.js";
import { h } from "./dom.js";

const KEPT = "sanbao-kept-work";
// The files kept on the phone, newest last: enough for a few sign-outs, never the whole storage.
const KEEP_AT_MOST = 5;

// What is waiting on this phone: {pending, photos}.
export async function waiting(db) {
  const [pending, photos] = await Promise.all([countPending(db), db.count("photos")]);
  return { pending, photos };
}

// The file of the work on this phone: {name, text}.
export async function exportOf(db, user) {
  const [outbox, photos, rejected, clientId, acked] = await Promise.all([
    db.getAll("outbox"),
    db.getAll("photos"),
    db.get("meta", "rejected"),
    db.get("meta", "client_id"),
    db.get("meta", "acked_seq"),
  ]);
  const now = new Date();
  const body = {
    kind: "sanbao-unsynced-work",
    exported_at: now.toISOString(),
    user: { id: user.id, username: user.username, display_name: user.display_name ?? "" },
    client_id: clientId,
    acked_seq: acked,
    outbox: outbox.map(({ seq, op_id, type, entity_id, payload, client_time, state }) => ({ seq, op_id, type, entity_id, payload, client_time, state })),
    rejected: rejected ?? [],
    // The bytes stay out of the file: a photo is named by its hash, as the ops name it.
    photos: photos.map(({ sha256, type, bytes, kept_at }) => ({ sha256, type, size: bytes.byteLength, kept_at })),
  };
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  return { name: `sanbao-${user.username}-${stamp}.json`, text: JSON.stringify(body, null, 2) };
}

export function download({ name, text }) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function keep(file) {
  const files = [...kept(), file];
  globalThis.localStorage.setItem(KEPT, JSON.stringify(files.slice(-KEEP_AT_MOST)));
}

export function kept() {
  try {
    return JSON.parse(globalThis.localStorage.getItem(KEPT)) ?? [];
  } catch {
    return [];
  }
}

// Asks; resolves with "leave" (sign out, nothing to lose), "drop" (confirmed: keep the file, drop the work) or
// null (stay). `sync()` runs a round; `db` is counted again after it.
export function ask({ db, sync }) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "sign-out", "data-testid": "sign-out", "aria-labelledby": "sign-out-title" });
    const finish = (choice) => {
      dialog.close();
      dialog.remove();
      resolve(choice);
    };
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(null);
    });
    const draw = async () => {
      const { pending, photos } = await waiting(db);
      const online = globalThis.navigator.onLine;
      const work = pending > 0 || photos > 0;
      const stay = h("button", { type: "button", "data-action": "stay", onclick: () => finish(null) }, t("signout.stay"));
      const parts = [h("h2", { id: "sign-out-title" }, t("signout.title"))];
      if (pending) {
        parts.push(h("p", { class: "warning", "data-testid": "sign-out-count", dataset: { count: pending } }, t("signout.waiting", { count: pending })));
      }
      if (photos) {
        parts.push(h("p", { class: "warning" }, t("signout.photos", { count: photos })));
      }
      if (!online) {
        parts.push(h("p", {}, t("signout.offline")));
      }
      const buttons = [];
      if (work && online) {
        buttons.push(
          h(
            "button",
            {
              type: "button",
              class: "primary",
              "data-action": "sync-first",
              onclick: async (event) => {
                event.currentTarget.disabled = true;
                await sync();
                await draw();
              },
            },
            t("signout.syncFirst"),
          ),
        );
      }
      if (work) {
        const understand = h("input", { type: "checkbox", name: "understand" });
        const anyway = h("button", { type: "button", "data-action": "drop", disabled: true, onclick: () => finish("drop") }, t("signout.anyway"));
        understand.addEventListener("change", () => (anyway.disabled = !understand.checked));
        parts.push(h("label", { class: "choice" }, understand, t("signout.understand")));
        buttons.push(anyway);
      } else {
        buttons.push(h("button", { type: "button", "data-action": "leave", onclick: () => finish("leave") }, t("signout.confirm")));
      }
      buttons.push(stay);
      dialog.replaceChildren(...parts, h("div", { class: "buttons" }, buttons));
    };
    document.body.append(dialog);
    draw().then(() => dialog.showModal());
  });
}

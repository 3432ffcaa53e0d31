// The desks of the office roles: where each begins in the address, who may open it, and the code that draws
// it, fetched the first time a desk screen needs it (a technician's phone never loads a desk's code).
//
// A desk module exports `View`: `new View({api, user, path, query, scanner})` with `render()` → its root element;
// `path` is the address after the desk's name split at "/", `query` its URLSearchParams (filters, sort),
// `scanner()` the app's barcode scanner (a promise of it), for a desk that reads serials.

export const DESKS = [
  { name: "calls", roles: ["agent", "admin"], nav: "nav.calls", load: () => import("./agent.js") },
  { name: "dispatch", roles: ["dispatcher", "admin"], nav: "nav.dispatch", load: () => import("./dispatch.js") },
  { name: "team", roles: ["provider_manager"], nav: "nav.team", load: () => import("./provider.js") },
  { name: "audit", roles: ["auditor", "admin"], nav: "nav.audit", load: () => import("./audit.js") },
  { name: "plan", roles: ["hq_planner", "admin"], nav: "nav.plan", load: () => import("./planning.js") },
  { name: "returns", roles: ["parts_clerk"], nav: "nav.returns", load: () => import("./returns.js") },
  { name: "campaigns", roles: ["supervisor", "admin"], nav: "nav.campaigns", load: () => import("./campaigns.js") },
  { name: "admin", roles: ["admin"], nav: "nav.admin", load: () => import("./admin.js") },
];

// Where each role lands after signing in (and on an address it has no screen for).
export const HOMES = {
  technician: "#/jobs",
  provider_manager: "#/team",
  parts_clerk: "#/requisitions",
  agent: "#/calls",
  dispatcher: "#/dispatch",
  auditor: "#/audit",
  hq_planner: "#/plan",
  supervisor: "#/campaigns",
  admin: "#/admin",
};

export function desksFor(role) {
  return DESKS.filter((desk) => desk.roles.includes(role));
}

// "#/dispatch/job/12?sort=-due" → {desk, path: ["job", "12"], query}; null when no desk of `role` matches.
export function deskRoute(hash, role) {
  const match = hash.match(/^#\/([a-z-]+)((?:\/[^?]*)?)(?:\?(.*))?$/);
  if (!match) {
    return null;
  }
  const desk = desksFor(role).find((each) => each.name === match[1]);
  if (!desk) {
    return null;
  }
  return { desk, path: match[2].split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(match[3] ?? "") };
}

// Where a notice about a job or a requisition opens, for each role (each desk answers `job/<id>`).
const JOB_LINKS = {
  technician: (id) => `#/jobs/${id}`,
  provider_manager: (id) => `#/team/job/${id}`,
  agent: (id) => `#/calls/job/${id}`,
  dispatcher: (id) => `#/dispatch/job/${id}`,
  admin: (id) => `#/dispatch/job/${id}`,
};
const REQUISITION_LINKS = {
  parts_clerk: (id) => `#/requisitions/${id}`,
  admin: (id) => `#/requisitions/${id}`,
  provider_manager: () => "#/team/parts",
  hq_planner: () => "#/plan",
};

// Notices about old parts coming back (a shipment on its way, returns due or late) and about statements.
const RETURN_LINKS = {
  parts_clerk: (data) => (data.shipment_id ? `#/returns/${data.shipment_id}` : "#/returns"),
  provider_manager: (data) => (data.shipment_id ? `#/team/returns/shipment/${data.shipment_id}` : "#/team/returns"),
};
const STATEMENT_LINKS = {
  provider_manager: (id) => `#/team/statements/${id}`,
  auditor: (id) => `#/audit/settlements/${id}`,
  admin: (id) => `#/audit/settlements/${id}`,
};

export function noticeLink(role, notification) {
  const data = notification.data ?? {};
  const requisition = data.requisition_id;
  if (requisition && REQUISITION_LINKS[role]) {
    return REQUISITION_LINKS[role](requisition);
  }
  if ((data.shipment_id || data.return_ids) && RETURN_LINKS[role]) {
    return RETURN_LINKS[role](data);
  }
  if (data.settlement_id && STATEMENT_LINKS[role]) {
    return STATEMENT_LINKS[role](data.settlement_id);
  }
  if (notification.job_id && JOB_LINKS[role]) {
    return JOB_LINKS[role](notification.job_id);
  }
  return HOMES[role] ?? "#/";
}

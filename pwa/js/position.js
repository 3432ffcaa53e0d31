// Where the phone is at a step of the visit (arrival, completion, an evidence photo): the browser's Geolocation
// API, which needs no signal (GPS works offline), asked with a deadline so that a step never waits on it for
// long. What comes back is the contract's position (WGS-84), or why there is none, which the screen says.

// A fix this much less sure than the check-in radius on the server (CHECKIN_RADIUS_M) proves nothing: said as weak.
export const WEAK_M = 500;
// How long a step waits for the phone's position; after it the step goes without one.
export const WAIT_MS = 8_000;
// A fix the phone took this recently is as good as a new one (the technician has not moved far since).
export const MAX_AGE_MS = 60_000;
// What the server takes (server/jobs/schemas.py): a fix of 0 m (a simulated one) is 1 m, a wild one is capped.
const MIN_ACCURACY_M = 1;
const MAX_ACCURACY_M = 100_000;

// Why there is no position: the geolocation error's code, as the technician can act on it.
const PROBLEMS = { 1: "refused", 2: "unavailable", 3: "timeout" };

const rounded = (value, places) => Math.round(value * 10 ** places) / 10 ** places;

// The contract's position from the browser's GeolocationPosition: 7 decimals (about a centimetre) and the
// accuracy in metres, within what the server takes; the fix's own time, not the moment it was read.
export function fixOf({ coords, timestamp }) {
  return {
    lat: rounded(coords.latitude, 7),
    lng: rounded(coords.longitude, 7),
    accuracy_m: rounded(Math.min(MAX_ACCURACY_M, Math.max(MIN_ACCURACY_M, coords.accuracy || 0)), 1),
    fix_time: new Date(timestamp ?? Date.now()).toISOString(),
  };
}

// {fix, problem}: the position, or null and why ("unsupported", "refused", "unavailable", "timeout"). Never
// rejects. The browser's own timeout counts only once the permission is given: a question left unanswered on
// screen would hold the step, so the deadline is kept here too.
export function takePosition({ geolocation = globalThis.navigator?.geolocation, waitMs = WAIT_MS, maxAgeMs = MAX_AGE_MS } = {}) {
  if (!geolocation?.getCurrentPosition) {
    return Promise.resolve({ fix: null, problem: "unsupported" });
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (result) => {
      if (!done) {
        done = true;
        clearTimeout(deadline);
        resolve(result);
      }
    };
    const deadline = setTimeout(() => finish({ fix: null, problem: "timeout" }), waitMs + 500);
    try {
      geolocation.getCurrentPosition(
        (position) => finish({ fix: fixOf(position), problem: null }),
        (error) => finish({ fix: null, problem: PROBLEMS[error?.code] ?? "unavailable" }),
        { enableHighAccuracy: true, timeout: waitMs, maximumAge: maxAgeMs },
      );
    } catch {
      finish({ fix: null, problem: "unavailable" });
    }
  });
}

// What the screen says of a step's position, as [key, params] of the i18n tables.
export function positionNote({ fix, problem }) {
  if (fix) {
    const accuracy = Math.round(fix.accuracy_m);
    return fix.accuracy_m > WEAK_M ? ["position.weak", { accuracy }] : ["position.taken", { accuracy }];
  }
  return problem === "refused" ? ["position.refused", {}] : ["position.unavailable", {}];
}

// Who is signed in on this device. The token and the user are kept, so the app opens and works offline
// after one sign-in; when the token expires the work goes on and only sync waits for a new sign-in.

const STORED = "sanbao-session";

export function current() {
  try {
    return JSON.parse(globalThis.localStorage.getItem(STORED));
  } catch {
    return null;
  }
}

export function token() {
  const session = current();
  return session && Date.now() < session.expiresAt ? session.token : null;
}

// {ok: true, session} or {ok: false, reason: "failed" | "offline"}, or {ok: false, reason: "throttled",
// retryAfter} (seconds) when too many sign-ins failed and the server asks to wait.
export async function signIn(username, password, fetchImpl = globalThis.fetch) {
  let response;
  try {
    response = await fetchImpl("/api/auth/token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    return { ok: false, reason: "offline" };
  }
  if (response.status === 429) {
    return { ok: false, reason: "throttled", retryAfter: Number(response.headers.get("Retry-After")) || 60 };
  }
  if (!response.ok) {
    return { ok: false, reason: response.status >= 500 ? "offline" : "failed" };
  }
  const body = await response.json();
  const session = {
    token: body.access_token,
    // A minute early: a token that expires on its way to the server is as good as none.
    expiresAt: Date.now() + (body.expires_in - 60) * 1000,
    user: body.user,
  };
  globalThis.localStorage.setItem(STORED, JSON.stringify(session));
  return { ok: true, session };
}

export function signOut() {
  globalThis.localStorage.removeItem(STORED);
}

// The console's only way to the server: the public /v1 API with the producer's key, exactly as curl or the
// kontho command would call it. Errors come back in the API's envelope and are raised as ApiError.

import { apiKey } from "./session.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `the server answered HTTP ${status}`);
    this.status = status;
    this.code = body?.code || "http_error";
    this.field = body?.field || null;
    this.retryAfter = null;
  }
}

let onUnauthorized = () => {};

/** Called when the API refuses the key (401): the app signs out and shows the sign-in page. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** Calls ``path`` (e.g. "/v1/jobs") with the key; resolves to the JSON answer, null for 204. */
export async function api(path, { method = "GET", body, headers = {}, query } = {}) {
  const key = apiKey();
  if (!key) {
    onUnauthorized();
    throw new ApiError(401, { code: "signed_out", message: "sign in with your API key first" });
  }
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  const request = {
    method,
    headers: { Authorization: `Bearer ${key}`, ...headers },
    cache: "no-store",
  };
  if (body !== undefined) {
    request.headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, request);
  } catch {
    throw new ApiError(0, { code: "network", message: "the API cannot be reached; check your connection" });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new ApiError(response.status, data?.error);
    error.retryAfter = response.headers.get("Retry-After");
    if (response.status === 401) onUnauthorized(error);
    throw error;
  }
  return data;
}

/** A message for a person: the API's own message, and when to retry if it said. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return `Something went wrong: ${error?.message || error}`;
  const retry = error.retryAfter ? ` (try again in ${error.retryAfter} s)` : "";
  return `${error.message}${retry}`;
}

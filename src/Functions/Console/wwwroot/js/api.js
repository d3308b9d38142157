// The management API as the console uses it: the key the operator typed (kept in sessionStorage, so it is gone when
// the tab closes) on every request, and errors turned into ApiError with the API's ProblemDetails.

const KEY = 'agentos.managementKey';

export const keyStore = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.title = problem?.title ?? `The server answered ${status}.`;
    this.detail = problem?.detail ?? null;
    this.errors = problem?.errors ?? {};
  }
}

/** Fires when the API refuses the key, so the app can ask for it again. */
export const unauthorized = new EventTarget();

export async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { 'x-api-key': keyStore.get() ?? '' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'The server could not be reached.', detail: String(e.message ?? e) });
  }

  if (response.status === 401) {
    unauthorized.dispatchEvent(new Event('unauthorized'));
  }

  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON: the status says it */ }
    throw new ApiError(response.status, problem);
  }

  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const enc = encodeURIComponent;

// The producer's API key lives in sessionStorage only: it goes when the tab closes, it is never put in a
// URL (so never in history, a referrer or an access log), and signing out removes it at once.

const STORAGE_KEY = "kontho.apiKey";

export function apiKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signIn(key) {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
}

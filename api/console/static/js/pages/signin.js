// Sign in with an API key. The key is checked with one harmless call (GET /v1/voices) before it is kept.
// The input has no name and the form no action, so no submission could ever put the key in a URL.

import { api, describeError } from "../api.js";
import { field, h } from "../dom.js";
import { apiKey, signIn, signOut } from "../session.js";

export function renderSignIn(root) {
  if (apiKey()) {
    location.replace("#/jobs");
    return null;
  }
  const key = h("input", { type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    field("API key", key, "The key your kontho operator gave you. It stays in this tab and is forgotten when the tab closes."),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    error.hidden = true;
    if (!value) {
      showError("Enter your API key.");
      return;
    }
    submit.disabled = true;
    signIn(value);
    try {
      await api("/v1/voices");
      key.value = "";
      location.hash = "#/jobs";
    } catch (problem) {
      signOut();
      showError(problem.status === 401 ? "That API key is not valid." : describeError(problem));
    } finally {
      submit.disabled = false;
    }
  });

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    key.setAttribute("aria-invalid", "true");
    key.focus();
  }

  root.append(h("h1", {}, "Sign in"), form);
  return null;
}

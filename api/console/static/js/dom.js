// Builds the page from data without ever parsing markup: every string a user or the API supplied becomes a
// text node or an attribute value, so a title like "<img onerror=…>" shows as those characters. There is
// deliberately no way to set innerHTML through here.

const FORBIDDEN = new Set(["innerHTML", "outerHTML", "srcdoc", "insertAdjacentHTML"]);
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction"]);

/** An http(s) URL, or a same-document link; anything else (javascript:, data:) is refused. */
export function safeUrl(value) {
  const text = String(value);
  if (text.startsWith("#") || text.startsWith("/")) return text;
  const url = new URL(text, location.href);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`refusing a ${url.protocol} URL`);
  }
  return url.href;
}

/**
 * h("button", {type: "button", onclick: f}, "Cancel") → a <button>.
 * Props: "class", "dataset" (an object), "on<event>" (a listener), DOM properties given non-string values
 * (value, checked, disabled, hidden), and any other name as an attribute (true: present, false/null: absent).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (FORBIDDEN.has(name)) throw new Error(`${name} is not allowed: build nodes instead`);
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (typeof value !== "string" && name in el) {
      el[name] = value;
    } else {
      const text = value === true ? "" : String(value);
      el.setAttribute(name, URL_ATTRIBUTES.has(name) ? safeUrl(text) : text);
    }
  }
  append(el, children);
  return el;
}

/** Appends strings (as text), numbers, nodes and nested arrays; null and undefined are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces an element's content with ``children`` (text stays text). */
export function fill(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A labelled form control: the label names the control for screen readers and is clickable. */
export function field(labelText, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  control.id = id;
  const parts = [h("label", { for: id }, labelText), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  return h("div", { class: "field" }, parts);
}

// The tenant's jobs, newest first, polled while the page is open: status, a live progress bar, ETA and a
// cancel button for jobs that can still be cancelled. Rows are updated in place, keyed by job id, so a
// focused button keeps its focus while the numbers move. "Show older jobs" adds a page (the API's
// next_cursor); every page shown is polled, so a job that moves down the list never drops out of it.

import { api, describeError } from "../api.js";
import { field, fill, h } from "../dom.js";
import { duration, percent, utc } from "../format.js";
import { notify } from "../notice.js";
import { poll } from "../poll.js";

export const STATES = ["queued", "running", "completed", "failed", "cancelled"];
const PAGE_SIZE = 50;

export function renderJobs(root, status) {
  const filter = h(
    "select",
    {
      onchange: () => {
        location.hash = filter.value ? `#/jobs?status=${filter.value}` : "#/jobs";
      },
    },
    h("option", { value: "" }, "All"),
    STATES.map((s) => h("option", { value: s, selected: s === status }, s)),
  );
  const body = h("tbody");
  const empty = h("p", { class: "empty", hidden: true }, status ? `No ${status} jobs.` : "No jobs yet. ", status ? null : h("a", { href: "#/new" }, "Start one."));
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const table = h(
    "table",
    { class: "jobs" },
    h("caption", { class: "visually-hidden" }, "Your jobs, newest first"),
    h(
      "thead",
      {},
      h("tr", {}, ["Title", "Status", "Progress", "Submitted", ""].map((t) => h("th", { scope: "col" }, t))),
    ),
    body,
  );
  let pages = 1;
  const older = h("button", { type: "button", class: "quiet", hidden: true }, "Show older jobs");
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Jobs"), h("a", { class: "button", href: "#/new" }, "New job")),
    h("div", { class: "toolbar" }, field("Status", filter)),
    error,
    empty,
    h("div", { class: "table-wrap" }, table),
    older,
  );

  const rows = new Map();
  const stop = poll(async () => {
    try {
      const jobs = [];
      let cursor;
      for (let n = 0; n < pages; n += 1) {
        const page = await api("/v1/jobs", { query: { status, purpose: "programme", limit: PAGE_SIZE, cursor } });
        jobs.push(...page.jobs);
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      error.hidden = true;
      update(body, rows, jobs);
      empty.hidden = jobs.length > 0;
      older.hidden = !cursor;
      older.disabled = false;
    } catch (problem) {
      error.textContent = describeError(problem);
      error.hidden = false;
      throw problem;
    }
  });
  older.addEventListener("click", () => {
    pages += 1;
    older.disabled = true;
    stop.now();
  });
  return stop;
}

function update(body, rows, jobs) {
  const seen = new Set();
  for (const job of jobs) {
    seen.add(job.id);
    let row = rows.get(job.id);
    if (!row) {
      row = makeRow(job);
      rows.set(job.id, row);
    }
    refresh(row, job);
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  // Newest first, as the API lists them; append() moves a row that is already in place.
  for (const job of jobs) body.append(rows.get(job.id).tr);
}

function makeRow(job) {
  const row = {
    status: h("span", { class: "status" }),
    bar: h("progress", { max: 100, value: 0 }),
    figure: h("span", { class: "figure" }),
    cancel: h("button", { type: "button", class: "quiet" }, "Cancel"),
  };
  row.bar.setAttribute("aria-label", `Progress of ${job.title || job.id}`);
  row.cancel.setAttribute("aria-label", `Cancel ${job.title || job.id}`);
  row.cancel.addEventListener("click", async () => {
    row.cancel.disabled = true;
    try {
      const after = await api(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
      refresh(row, after);
      notify(after.status === "cancelled" ? "Job cancelled." : "The job stops at its next chunk.");
    } catch (problem) {
      notify(describeError(problem));
      row.cancel.disabled = false;
    }
  });
  row.tr = h(
    "tr",
    { dataset: { jobId: job.id } },
    h("td", { class: "title", lang: "bn" }, h("a", { href: `#/jobs/${job.id}` }, job.title || `Untitled (${job.id.slice(-6)})`)),
    h("td", {}, row.status),
    h("td", { class: "progress-cell" }, row.bar, row.figure),
    h("td", {}, utc(job.created_at)),
    h("td", {}, row.cancel),
  );
  return row;
}

function refresh(row, job) {
  row.tr.dataset.status = job.status;
  fill(row.status, job.status);
  row.status.className = `status status-${job.status}`;
  const done = job.status === "completed";
  row.bar.value = done ? 100 : job.progress.percent;
  const eta = job.status === "running" && job.progress.eta_seconds !== null ? ` · ETA ${duration(job.progress.eta_seconds)}` : "";
  fill(row.figure, done ? "100 %" : `${percent(job.progress)}${eta}`);
  row.cancel.hidden = !(job.status === "queued" || job.status === "running");
}

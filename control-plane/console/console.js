// The clickprint web console: sign in with an API key (traded by the
// server for a session in an HttpOnly cookie), look at the library and its
// jobs, search and see where each match sits. Plain DOM, no framework, no
// inline script or style (the content security policy allows neither);
// text from the API is only ever set as text, never as HTML.

const $ = (selector) => document.querySelector(selector);
const state = { tenant: null, timers: [] };

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const words = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, words);
  }
  return body;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    // Through the CSSOM: the content security policy refuses style attributes.
    else if (name === "style") node.style.cssText = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const seconds = (s) => `${Number(s).toFixed(1)} s`;
const duration = (ms) => (ms === null || ms === undefined ? "" : seconds(ms / 1000));

function say(selector, words, isError = false) {
  const node = $(selector);
  node.textContent = words;
  node.classList.toggle("error", isError);
}

function stopTimers() {
  for (const timer of state.timers) clearTimeout(timer);
  state.timers = [];
}

function later(fn, ms) {
  state.timers.push(setTimeout(fn, ms));
}

// ---- signing in and out -------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const key = $("#key").value.trim();
  say("#signin-error", "");
  try {
    const tenant = await api("/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key }),
    });
    $("#key").value = "";
    enter(tenant);
  } catch (e) {
    const why = e.status === 401
      ? "That key was not accepted: check it was copied whole and has not been revoked."
      : e.status === 403
        ? `Signed out: ${e.message}`
        : `Could not sign in: ${e.message}`;
    say("#signin-error", why, true);
    $("#key").focus();
  }
}

async function signOut() {
  stopTimers();
  await api("/v1/session", { method: "DELETE" }).catch(() => {});
  state.tenant = null;
  $("#nav").hidden = true;
  $("#signout").hidden = true;
  $("#who").textContent = "";
  show("signin");
  $("#key").focus();
}

function enter(tenant) {
  state.tenant = tenant;
  $("#nav").hidden = false;
  $("#signout").hidden = false;
  $("#who").textContent = `Tenant ${tenant.name}`;
  route();
}

// ---- views --------------------------------------------------------------

const VIEWS = ["signin", "library", "jobs", "search"];

function show(view) {
  for (const name of VIEWS) $(`#${name}-view`).hidden = name !== view;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  if (!state.tenant) return show("signin");
  stopTimers();
  const view = (location.hash || "#library").slice(1);
  if (view === "jobs") {
    show("jobs");
    loadJobs();
  } else if (view === "search") {
    show("search");
  } else {
    show("library");
    loadLibrary();
  }
}

function files(item) {
  return `/v1/files/${state.tenant.id}/${item.duplicate_of ?? item.id}`;
}

function preview(item, base, label) {
  if (item.status !== "ready") return element("span", { class: "muted", text: "no preview yet" });
  const kind = item.modality === "audio" ? "waveform.svg" : "thumb.jpg";
  const alt = item.modality === "audio" ? `Waveform of ${label}` : `Thumbnail of ${label}`;
  const img = element("img", {
    src: `${base}.previews/${kind}`,
    alt,
    class: item.modality === "audio" ? "waveform" : "thumb",
    loading: "lazy",
  });
  img.addEventListener("error", () => img.replaceWith(element("span", { class: "muted", text: "no preview" })));
  return img;
}

// ---- library ------------------------------------------------------------

async function loadLibrary() {
  const status = $("#status-filter").value;
  const query = new URLSearchParams({ limit: "500" });
  if (status) query.set("status", status);
  let page;
  try {
    page = await api(`/v1/media?${query}`);
  } catch (e) {
    return say("#library-message", `Could not load the library: ${e.message}`, true);
  }
  const body = $("#media-table tbody");
  body.replaceChildren();
  for (const item of page.media) {
    const label = item.external_id || `media ${item.id}`;
    const metadata = item.metadata && Object.keys(item.metadata).length
      ? JSON.stringify(item.metadata)
      : "";
    body.append(element("tr", { "data-id": item.id, "data-status": item.status },
      element("td", {}, preview(item, files(item), label)),
      element("td", { text: item.id }),
      element("td", { text: item.external_id || "" }),
      element("td", {},
        element("span", { class: `status status-${item.status}`, text: item.status }),
        item.error ? element("div", { class: "error small", text: item.error }) : null),
      element("td", { text: item.modality || "" }),
      element("td", { text: item.modality === "image" ? "" : duration(item.duration_ms) }),
      element("td", { class: "small", text: metadata })));
  }
  const busy = page.media.filter((m) => m.status === "pending" || m.status === "processing").length;
  say("#library-message", page.media.length
    ? `${page.media.length} items${busy ? `, ${busy} still being fingerprinted` : ""}.`
    : "No media yet: upload some, or send a CSV or ZIP job.");
  if (busy) later(loadLibrary, 1500);
}

async function uploadFiles(event) {
  const chosen = [...event.target.files];
  event.target.value = "";
  let sent = 0;
  for (const file of chosen) {
    const form = new FormData();
    form.append("file", file);
    form.append("external_id", file.name);
    try {
      await api("/v1/media", { method: "POST", body: form });
      sent += 1;
      say("#library-message", `Uploaded ${sent} of ${chosen.length}...`);
    } catch (e) {
      say("#library-message", `${file.name}: ${e.message}`, true);
      return;
    }
  }
  loadLibrary();
}

async function uploadJob(event) {
  const [file] = event.target.files;
  event.target.value = "";
  if (!file) return;
  const zip = file.name.toLowerCase().endsWith(".zip");
  try {
    await api("/v1/jobs", {
      method: "POST",
      headers: { "content-type": zip ? "application/zip" : "text/csv" },
      body: file,
    });
    location.hash = "#jobs";
  } catch (e) {
    say("#library-message", `${file.name}: ${e.message}`, true);
  }
}

// ---- jobs ---------------------------------------------------------------

async function loadJobs() {
  let answer;
  try {
    answer = await api("/v1/jobs");
  } catch (e) {
    return say("#jobs-message", `Could not load the jobs: ${e.message}`, true);
  }
  const list = $("#jobs-list");
  list.replaceChildren();
  for (const job of answer.jobs) {
    const finished = job.completed + job.failed + job.cancelled;
    const failures = job.failures.length
      ? element("ul", { class: "failures" },
        ...job.failures.map((f) => element("li", {
          text: `row ${f.row}${f.external_id ? ` (${f.external_id})` : ""}: ${f.reason}`,
        })))
      : null;
    list.append(element("li", { class: "job", "data-id": job.id, "data-status": job.status },
      element("h3", { text: `Job ${job.id} (${job.kind.toUpperCase()}): ${job.status}` }),
      element("progress", {
        max: Math.max(job.total, 1),
        value: finished,
        "aria-label": `Job ${job.id} progress`,
      }),
      element("p", {
        class: "counts",
        text: `${job.completed} of ${job.total} done, ${job.failed} failed, ${job.pending} pending`
          + (job.cancelled ? `, ${job.cancelled} cancelled` : ""),
      }),
      failures));
  }
  say("#jobs-message", answer.jobs.length ? "" : "No jobs yet: upload a CSV or ZIP from the library.");
  if (answer.jobs.some((j) => j.status === "running")) later(loadJobs, 1000);
}

// ---- search -------------------------------------------------------------

async function search(body, headers = {}) {
  say("#search-message", "Searching...");
  $("#results").replaceChildren();
  $("#player-box").hidden = true;
  let answer;
  try {
    answer = await api("/v1/search", { method: "POST", body, headers });
  } catch (e) {
    return say("#search-message", `The search failed: ${e.message}`, true);
  }
  const ms = answer.timings_ms.total;
  say("#search-message", answer.matches.length
    ? `${answer.matches.length} match${answer.matches.length > 1 ? "es" : ""} in ${ms} ms.`
    : `No copies found (${ms} ms).`);
  const results = $("#results");
  for (const [i, match] of answer.matches.entries()) {
    results.append(await renderMatch(match, i + 1, answer));
  }
}

function searchFile(file) {
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  search(form);
}

/// A bar for `total` seconds with each span [start, end] of `ranges`
/// marked (one per segment of the match).
function timeline(label, ranges, total) {
  const length = Math.max(total, ...ranges.map(([, end]) => end), 0.001);
  const spans = ranges.map(([start, end]) => `${seconds(start)} – ${seconds(end)}`).join(", ");
  const marks = ranges.map(([start, end]) => element("div", {
    class: "segment",
    "data-start": start,
    "data-end": end,
    style: `left:${(100 * start) / length}%;width:${Math.max((100 * (end - start)) / length, 0.5)}%`,
  }));
  return element("div", { class: `timeline ${label}`, "data-segments": ranges.length },
    element("span", { class: "timeline-label", text: label }),
    element("div", {
      class: "bar",
      role: "img",
      "aria-label": `${label}: ${spans.replaceAll("–", "to")} of ${seconds(length)}`,
    }, ...marks),
    element("span", { class: "timeline-text", text: `${spans} of ${seconds(length)}` }));
}

async function renderMatch(match, rank, answer) {
  const label = match.external_id || `media ${match.media_id}`;
  const item = element("li", { class: "match", "data-media-id": match.media_id },
    element("h3", {},
      element("span", { class: "rank", text: `${rank}. ` }),
      element("span", { class: "external-id", text: label }),
      element("span", { class: "score", text: ` score ${(100 * match.score).toFixed(0)}%` }),
      element("span", { class: "muted", text: ` (${match.modality}, ${match.evidence})` })));
  const manifest = await api(`${match.files}.previews/previews.json`).catch(() => null);
  if (manifest && match.modality !== "audio") {
    const range = match.reference_range;
    const frames = range
      ? manifest.frames.filter((f) => f.ms >= range[0] * 1000 - 500 && f.ms <= range[1] * 1000 + 500)
      : manifest.frames;
    const strip = element("div", { class: "strip", "aria-label": "Matched frames of the reference" });
    for (const frame of frames.slice(0, 12)) {
      strip.append(element("img", {
        src: `${match.files}.previews/${frame.file}`,
        alt: `${label} at ${seconds(frame.ms / 1000)}`,
        loading: "lazy",
      }));
    }
    item.append(strip);
  } else if (manifest && manifest.waveform) {
    item.append(element("img", {
      class: "waveform",
      src: `${match.files}.previews/${manifest.waveform}`,
      alt: `Waveform of ${label}`,
    }));
  }
  // Every segment on both timelines (a compilation that uses the item
  // twice shows two); a match without segments shows its one range.
  const segments = match.segments || [];
  if (match.query_range) {
    const ranges = segments.length ? segments.map((s) => [s.query_start, s.query_end]) : [match.query_range];
    item.append(timeline("query", ranges, answer.query_duration_ms / 1000));
  }
  if (match.reference_range) {
    const ranges = segments.length ? segments.map((s) => [s.reference_start, s.reference_end]) : [match.reference_range];
    item.append(timeline("reference", ranges, (match.duration_ms || 0) / 1000));
    const [start, end] = match.reference_range;
    item.append(element("button", {
      type: "button",
      class: "play",
      text: `Play ${label} from ${seconds(start)} to ${seconds(end)}`,
      onclick: () => play(match, label),
    }));
  } else {
    item.append(element("a", { href: match.files, target: "_blank", rel: "noopener", text: `Open ${label}` }));
  }
  return item;
}

function play(match, label) {
  const [start, end] = match.reference_range;
  const audio = match.modality === "audio";
  const player = audio ? $("#audio-player") : $("#video-player");
  const other = audio ? $("#video-player") : $("#audio-player");
  other.pause();
  other.hidden = true;
  player.hidden = false;
  $("#player-box").hidden = false;
  $("#player-title").textContent = `${label}, ${seconds(start)} – ${seconds(end)}`;
  player.onloadedmetadata = () => {
    player.currentTime = start;
    player.play().catch(() => {});
  };
  player.ontimeupdate = () => {
    if (player.currentTime >= end) {
      player.pause();
      player.dataset.stoppedAt = String(player.currentTime);
    }
  };
  delete player.dataset.stoppedAt;
  player.dataset.start = String(start);
  player.dataset.end = String(end);
  player.src = match.files;
  player.focus();
}

// ---- wiring -------------------------------------------------------------

function wire() {
  $("#signin").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", signOut);
  $("#status-filter").addEventListener("change", () => {
    stopTimers();
    loadLibrary();
  });
  $("#upload-files").addEventListener("change", uploadFiles);
  $("#upload-job").addEventListener("change", uploadJob);
  $("#search-file").addEventListener("change", (e) => searchFile(e.target.files[0]));
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("#search-url").value.trim();
    if (!url) return say("#search-message", "Choose a file or give a URL to search with.", true);
    search(JSON.stringify({ url }), { "content-type": "application/json" });
  });
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    searchFile(e.dataTransfer.files[0]);
  });
  window.addEventListener("hashchange", route);
}

async function start() {
  wire();
  try {
    enter(await api("/v1/session"));
  } catch {
    show("signin");
    $("#key").focus();
  }
}

start();

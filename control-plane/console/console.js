// The clickprint web console: sign in with an API key (traded by the
// server for a session in an HttpOnly cookie), look at the library and its
// jobs, search and see where each match sits. Plain DOM, no framework, no
// inline script or style (the content security policy allows neither);
// text from the API is only ever set as text, never as HTML.

const $ = (selector) => document.querySelector(selector);
// `loads` counts the library's loads: an answer that comes back after a
// newer load started (a refresh racing a delete or a page-size change) is
// dropped, never drawn over the newer one.
const state = { tenant: null, timers: [], pages: 1, nextCursor: null, loads: 0 };

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

// Items a page holds when the "Per page" field says nothing usable.
const PAGE_SIZE = 100;

function pageSize() {
  const n = Number($("#page-size").value);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : PAGE_SIZE;
}

async function fetchPage(cursor) {
  const query = new URLSearchParams({ limit: String(pageSize()) });
  const status = $("#status-filter").value;
  if (status) query.set("status", status);
  if (cursor !== null && cursor !== undefined) query.set("cursor", String(cursor));
  return api(`/v1/media?${query}`);
}

// What became of the subtitle file given with an item: its cues, or why
// it was not read (the item itself is ingested either way).
function subtitlesNote(given) {
  if (!given) return null;
  const name = given.source.replace(/^upload:/, "");
  if (given.error) return element("div", { class: "subtitles error small", text: `subtitles ${name} not read: ${given.error}` });
  if (given.cues === null) return element("div", { class: "subtitles small", text: `subtitles ${name}: not read yet` });
  const cues = given.cues === 1 ? "1 cue" : `${given.cues} cues`;
  return element("div", { class: "subtitles small", text: `subtitles ${name}: ${cues}` });
}

function mediaRow(item) {
  const label = item.external_id || `media ${item.id}`;
  const metadata = item.metadata && Object.keys(item.metadata).length
    ? JSON.stringify(item.metadata)
    : "";
  const row = element("tr", {
    "data-id": item.id,
    "data-status": item.status,
    "data-duplicate-of": item.duplicate_of ?? undefined,
  });
  // An exact copy of an item already in the library: said next to its
  // status, with the item it copies.
  const duplicate = item.duplicate_of
    ? element("div", { class: "duplicate small", text: `exact copy of media ${item.duplicate_of}` })
    : null;
  const remove = item.status === "deleted"
    ? null
    : element("button", {
      type: "button",
      class: "delete secondary",
      text: "Delete",
      "aria-label": `Delete ${label}`,
      onclick: () => deleteItem(item, label, row),
    });
  row.append(
    element("td", {}, preview(item, files(item), label)),
    element("td", { text: item.id }),
    element("td", { text: item.external_id || "" }),
    element("td", {},
      element("span", { class: `status status-${item.status}`, text: item.status }),
      duplicate,
      item.error ? element("div", { class: "error small", text: item.error }) : null,
      subtitlesNote(item.subtitles)),
    element("td", { text: item.modality || "" }),
    element("td", { text: item.modality === "image" ? "" : duration(item.duration_ms) }),
    element("td", { class: "small", text: metadata }),
    element("td", {}, remove));
  return row;
}

function libraryMessage() {
  const rows = [...document.querySelectorAll("#media-table tbody tr")];
  const busy = rows.filter((r) => r.dataset.status === "pending" || r.dataset.status === "processing").length;
  const more = state.nextCursor !== null && state.nextCursor !== undefined;
  $("#more").hidden = !more;
  // An error stays until the person's next action says something else.
  if ($("#library-message").classList.contains("error")) return busy;
  say("#library-message", rows.length
    ? `${rows.length} items${more ? " shown, more below" : ""}${busy ? `, ${busy} still being fingerprinted` : ""}.`
    : "No media yet: upload some, or send a CSV or ZIP job.");
  return busy;
}

// The library's first `pages` pages, newest first (a refresh keeps the
// pages already shown).
async function loadLibrary(pages = 1) {
  state.loads += 1;
  const load = state.loads;
  const items = [];
  let cursor = null;
  try {
    for (let i = 0; i < pages; i += 1) {
      const page = await fetchPage(cursor);
      items.push(...page.media);
      cursor = page.next_cursor;
      if (cursor === null || cursor === undefined) break;
    }
  } catch (e) {
    if (load !== state.loads) return;
    return say("#library-message", `Could not load the library: ${e.message}`, true);
  }
  if (load !== state.loads) return;
  state.pages = pages;
  state.nextCursor = cursor;
  $("#media-table tbody").replaceChildren(...items.map(mediaRow));
  if (libraryMessage()) later(() => loadLibrary(state.pages), 1500);
}

// The next page, after those shown.
async function showMore() {
  const load = state.loads;
  let page;
  try {
    page = await fetchPage(state.nextCursor);
  } catch (e) {
    return say("#library-message", `Could not load more: ${e.message}`, true);
  }
  if (load !== state.loads) return;
  state.pages += 1;
  state.nextCursor = page.next_cursor;
  $("#media-table tbody").append(...page.media.map(mediaRow));
  if (libraryMessage()) later(() => loadLibrary(state.pages), 1500);
}

async function deleteItem(item, label, row) {
  if (!window.confirm(`Delete ${label}? It leaves the library and every later search at once.`)) return;
  try {
    await api(`/v1/media/${item.id}`, { method: "DELETE" });
  } catch (e) {
    return say("#library-message", `Could not delete ${label}: ${e.message}`, true);
  }
  row.remove();
  stopTimers();
  await loadLibrary(state.pages);
  say("#library-message", `Deleted ${label}.`);
}

// A subtitle file chosen beside media goes with the media file of the same
// name (film.mp4 and film.srt, or film.es.srt), as its `subtitles` part.
const SUBTITLE_FILE = /\.(srt|vtt|ass|ssa)$/i;
const stem = (name) => name.replace(/\.[^.]*$/, "");

function subtitlesFor(media, subtitles) {
  const own = stem(media.name);
  return subtitles.find((s) => stem(s.name) === own || stem(s.name).startsWith(`${own}.`));
}

async function uploadFiles(event) {
  const chosen = [...event.target.files];
  event.target.value = "";
  const subtitles = chosen.filter((f) => SUBTITLE_FILE.test(f.name));
  const media = chosen.filter((f) => !SUBTITLE_FILE.test(f.name));
  const alone = subtitles.filter((s) => !media.some((m) => subtitlesFor(m, [s])));
  if (alone.length) {
    say("#library-message",
      `${alone.map((s) => s.name).join(", ")}: choose each subtitle file with the media file of the same name (film.mp4 and film.srt)`,
      true);
    return;
  }
  let sent = 0;
  for (const file of media) {
    const form = new FormData();
    form.append("file", file);
    form.append("external_id", file.name);
    const given = subtitlesFor(file, subtitles);
    if (given) form.append("subtitles", given);
    try {
      await api("/v1/media", { method: "POST", body: form });
      sent += 1;
      say("#library-message", `Uploaded ${sent} of ${media.length}...`);
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

// The "Matches at most" and "Minimum score" fields, checked; null when a
// field holds something the service would refuse (said to the person).
function searchOptions() {
  const options = {};
  const topK = $("#top-k").value.trim();
  if (topK) {
    const n = Number(topK);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      say("#search-message", "Matches at most: a whole number from 1 to 1000.", true);
      return null;
    }
    options.top_k = n;
  }
  const minScore = $("#min-score").value.trim();
  if (minScore) {
    const n = Number(minScore);
    if (!Number.isFinite(n) || n < 0 || n > 100) {
      say("#search-message", "Minimum score: a percentage from 0 to 100.", true);
      return null;
    }
    options.min_score = n / 100;
  }
  // Words said: a dialogue search, alone or beside the file or URL (the
  // service merges the two answers).
  const text = $("#search-text").value.trim();
  if (text) options.text = text;
  return options;
}

// Takes the player back out of the result it sits in, stopped.
function parkPlayer() {
  for (const player of [$("#video-player"), $("#audio-player")]) player.pause();
  const box = $("#player-box");
  box.hidden = true;
  $("#search-view").append(box);
}

async function search(body, headers = {}) {
  say("#search-message", "Searching...");
  parkPlayer();
  $("#results").replaceChildren();
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
  const options = searchOptions();
  if (!options) return;
  const form = new FormData();
  form.append("file", file);
  for (const [name, value] of Object.entries(options)) form.append(name, String(value));
  search(form);
}

/// A bar for `total` seconds with each span [start, end] of `ranges`
/// marked (one per segment of the match).
function timeline(label, ranges, total) {
  const length = Math.max(total, ...ranges.map(([, end]) => end), 0.001);
  const spans = ranges
    .map(([start, end]) => (isStill(start, end) ? `at ${seconds(start)}` : `${seconds(start)} – ${seconds(end)}`))
    .join(", ");
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

// A range too short to play: a picture found in a video, at one frame.
const isStill = (start, end) => end - start < 0.5;

// A match of any of the three answers, as its parts: `hit`, the
// fingerprint search's match (with ranges, segments, evidence), and
// `said`, the dialogue search's (with cues); a merged answer's match has
// either or both, and says who found it.
function parts(match) {
  if (match.found_by) return { hit: match.media, said: match.dialogue, foundBy: match.found_by };
  if (match.cues) return { hit: null, said: match, foundBy: ["dialogue"] };
  return { hit: match, said: null, foundBy: ["media"] };
}

// Text with the query's words marked (« and » around each) as <mark>s.
function highlighted(text) {
  const node = element("span", { class: "cue-text" });
  for (const [i, piece] of text.split(/[«»]/).entries()) {
    node.append(i % 2 ? element("mark", { text: piece }) : document.createTextNode(piece));
  }
  return node;
}

async function renderMatch(match, rank, answer) {
  const { hit, said, foundBy } = parts(match);
  const label = match.external_id || `media ${match.media_id}`;
  const how = hit ? `${match.modality}, ${hit.evidence}` : match.modality;
  const item = element("li", { class: "match", "data-media-id": match.media_id, "data-found-by": foundBy.join(" ") },
    element("h3", {},
      element("span", { class: "rank", text: `${rank}. ` }),
      element("span", { class: "external-id", text: label }),
      element("span", {
        class: "score",
        text: said && !hit && !match.found_by ? ` score ${match.score.toFixed(2)}` : ` score ${(100 * match.score).toFixed(0)}%`,
      }),
      element("span", { class: "muted", text: ` (${how})` })));
  if (match.found_by) {
    item.append(element("p", {
      class: "found-by muted",
      text: `Found by ${foundBy.map((s) => (s === "media" ? `its pictures and sound (rank ${match.media_rank})` : `its dialogue (rank ${match.dialogue_rank})`)).join(" and ")}.`,
    }));
  }
  const manifest = await api(`${match.files}.previews/previews.json`).catch(() => null);
  const cues = said ? said.cues : [];
  if (manifest && match.modality !== "audio") {
    const range = hit ? hit.reference_range : cues.length ? [cues[0].start, cues[0].end] : null;
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
  const segments = (hit && hit.segments) || [];
  if (hit && hit.query_range) {
    const ranges = segments.length ? segments.map((s) => [s.query_start, s.query_end]) : [hit.query_range];
    item.append(timeline("query", ranges, answer.query_duration_ms / 1000));
  }
  const length = ((hit && hit.duration_ms) || (manifest && manifest.duration_ms) || 0) / 1000;
  if (hit && hit.reference_range) {
    const ranges = segments.length ? segments.map((s) => [s.reference_start, s.reference_end]) : [hit.reference_range];
    item.append(timeline("reference", ranges, length));
    const [start, end] = hit.reference_range;
    item.append(element("button", {
      type: "button",
      class: "play",
      text: isStill(start, end)
        ? `Show ${label} at ${seconds(start)}`
        : `Play ${label} from ${seconds(start)} to ${seconds(end)}`,
      onclick: () => play({ ...match, reference_range: hit.reference_range }, label, item),
    }));
  } else if (!cues.length) {
    item.append(element("a", { href: match.files, target: "_blank", rel: "noopener", text: `Open ${label}` }));
  }
  // Each matching cue on a timeline of its own, and as a line that plays
  // it.
  if (cues.length) {
    item.append(timeline("dialogue", cues.map((c) => [c.start, c.end]), length));
    const list = element("ul", { class: "cues", "aria-label": `Lines of ${label} that match` });
    for (const cue of cues.slice(0, 5)) {
      list.append(element("li", {},
        element("button", {
          type: "button",
          class: "cue secondary",
          text: `Play ${seconds(cue.start)} – ${seconds(cue.end)}`,
          onclick: () => play({ ...match, reference_range: [cue.start, cue.end] }, label, item),
        }),
        highlighted(cue.highlighted.replaceAll("\n", " / "))));
    }
    item.append(list);
  }
  if (hit && answer.query_sha256) item.append(decision(hit, label, answer, item));
  return item;
}

// The review loop, per match: "Confirm" and "Not a match" decide the pair
// (this query's content, this item; POST /v1/matches/decisions): a false
// positive never comes back for the same file, a confirmed match is
// flagged in later searches. "Never match" excludes the item from every
// search (POST /v1/exclusions). "Undo" revokes what was just done.
function decision(match, label, answer, item) {
  const words = element("span", { class: "decision-text", role: "status" });
  const json = (body) => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const actions = [
    {
      text: "Confirm",
      aria: `${label} is a copy`,
      done: "Confirmed: later searches of this file flag it.",
      state: "confirmed",
      run: () => api("/v1/matches/decisions", json({
        query_sha256: answer.query_sha256, media_id: match.media_id, decision: "confirmed",
      })),
      undo: (made) => api(`/v1/matches/decisions/${made.id}`, { method: "DELETE" }),
    },
    {
      text: "Not a match",
      aria: `${label} is not a match`,
      done: "Dismissed: searches of this file will not show it again.",
      state: "dismissed",
      run: () => api("/v1/matches/decisions", json({
        query_sha256: answer.query_sha256, media_id: match.media_id, decision: "false_positive",
      })),
      undo: (made) => api(`/v1/matches/decisions/${made.id}`, { method: "DELETE" }),
    },
    {
      text: "Never match",
      aria: `Never match ${label} in any search`,
      done: "Excluded: no search will show this item.",
      state: "excluded",
      run: () => api("/v1/exclusions", json({ media_id: match.media_id })),
      undo: () => api(`/v1/exclusions/${match.media_id}`, { method: "DELETE" }),
    },
  ];
  const box = element("p", { class: "decision" });
  const undo = element("button", { type: "button", class: "undo secondary", text: "Undo" });
  undo.setAttribute("aria-label", `Undo the decision on ${label}`);
  const buttons = actions.map((action) => {
    const button = element("button", { type: "button", class: `${action.state} secondary`, text: action.text });
    button.setAttribute("aria-label", action.aria);
    button.addEventListener("click", async () => {
      let made;
      try {
        made = await action.run();
      } catch (e) {
        words.textContent = ` Could not save it: ${e.message}`;
        return;
      }
      show(action, made);
    });
    return button;
  });
  const show = (action, made) => {
    for (const a of actions) item.classList.toggle(a.state, a === action);
    if (action) item.dataset.decision = action.state;
    else delete item.dataset.decision;
    for (const b of buttons) b.hidden = Boolean(action);
    undo.hidden = !action;
    undo.onclick = action && (async () => {
      try {
        await action.undo(made);
      } catch (e) {
        words.textContent = ` Could not undo it: ${e.message}`;
        return;
      }
      show(null);
    });
    words.textContent = action ? ` ${action.done}` : match.decision === "confirmed" ? " Confirmed earlier." : "";
  };
  box.append(...buttons, undo, words);
  show(null);
  return box;
}

// Plays the matched range of the reference in a player under the result
// clicked (a still: shows its frame, paused).
function play(match, label, item) {
  const [start, end] = match.reference_range;
  const still = isStill(start, end);
  const audio = match.modality === "audio";
  const player = audio ? $("#audio-player") : $("#video-player");
  const other = audio ? $("#video-player") : $("#audio-player");
  other.pause();
  other.hidden = true;
  player.hidden = false;
  const box = $("#player-box");
  item.append(box);
  box.hidden = false;
  $("#player-title").textContent = still
    ? `${label} at ${seconds(start)}`
    : `${label}, ${seconds(start)} – ${seconds(end)}`;
  player.onloadedmetadata = () => {
    player.currentTime = start;
    if (!still) player.play().catch(() => {});
  };
  player.ontimeupdate = () => {
    if (!still && player.currentTime >= end) {
      player.pause();
      player.dataset.stoppedAt = String(player.currentTime);
    }
  };
  player.dataset.still = String(still);
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
  $("#page-size").addEventListener("change", () => {
    stopTimers();
    loadLibrary();
  });
  $("#more").addEventListener("click", () => {
    stopTimers();
    showMore();
  });
  $("#upload-files").addEventListener("change", uploadFiles);
  $("#upload-job").addEventListener("change", uploadJob);
  $("#search-file").addEventListener("change", (e) => {
    const [file] = e.target.files;
    // Emptied, so choosing the same file again searches again.
    e.target.value = "";
    searchFile(file);
  });
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("#search-url").value.trim();
    const options = searchOptions();
    if (!options) return;
    if (!url && !options.text) {
      return say("#search-message", "Choose a file, or give a URL or words to search with.", true);
    }
    // Words alone: a dialogue search, which has no minimum score.
    if (!url) delete options.min_score;
    const body = url ? { url, ...options } : options;
    search(JSON.stringify(body), { "content-type": "application/json" });
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

// The web console in headless Chromium (Debian's, driven by playwright-core),
// as a person uses it: a wrong key, signing in from the keyboard, uploading a
// library as a ZIP job and one file, watching the job finish, searching with
// a transformed copy, reading the match's time range on its timeline and
// playing that range of the reference under the result; an exact copy
// flagged, pages, deleting; top-k and score fields; confirm, "Not a match"
// and "Never match" with undo; a still
// found in a video; a phone's width. Screenshots go to $ARTIFACTS.
//
// Run by tests/it/console.rs, which starts `clickprint serve`, makes the
// media and passes (environment): CONSOLE_URL, GOOD_KEY, LIBRARY_ZIP,
// LIBRARY_ITEMS (media in the ZIP), LIBRARY_MISSING (a file the ZIP's
// manifest names but lacks), EXTRA_FILE, QUERY_FILE, EXPECT_ID
// (external id of the original), EXPECT_START / EXPECT_END (seconds of the
// reference the copy came from), COMPILATION_FILE (a compilation that
// uses the original twice) with COMPILATION_SEGMENTS (its two stretches
// of the original, "start-end,start-end" in seconds), STILL_FILE (a frame
// of the original) with STILL_AT (its second), DIALOGUE_FILE (a video)
// with SUBTITLES_FILE (its line of dialogue, same name), ARTIFACTS. Exits non-zero, saying why, on
// the first thing that is not as it should be.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const url = env("CONSOLE_URL");
const artifacts = env("ARTIFACTS");
fs.mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
});
let page;
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // The media files the player asked for with a Range header. Whether it
  // asks for a part past the start depends on how fast the first answer
  // came (a whole small file needs no second request), so the range check
  // below asks for a part itself.
  const ranged = [];
  page.on("response", (r) => {
    if (r.url().includes("/v1/files/") && r.request().headers().range) ranged.push(r.url());
  });

  // A wrong key: a clear message, still on the sign-in form.
  await page.goto(`${url}/`);
  await page.locator("#key").waitFor();
  await page.fill("#key", "cpk_000000000000_" + "0".repeat(64));
  await page.click("#signin button[type=submit]");
  const error = page.locator("#signin-error");
  await error.filter({ hasText: "not accepted" }).waitFor({ timeout: 10_000 });
  await shot("01-wrong-key");
  assert.equal(await page.locator("#library-view").isHidden(), true);

  // The right key, from the keyboard: focus starts on the key field, Enter
  // submits.
  assert.equal(await page.evaluate(() => document.activeElement.id), "key");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(env("GOOD_KEY"));
  await page.keyboard.press("Enter");
  await page.locator("#library-view").waitFor({ state: "visible", timeout: 10_000 });
  assert.match(await page.locator("#who").innerText(), /Tenant /);

  // The library as a ZIP job: the job view shows it running, then done.
  await page.setInputFiles("#upload-job", env("LIBRARY_ZIP"));
  await page.waitForURL(/#jobs$/);
  const job = page.locator("#jobs-list .job").first();
  await job.waitFor({ timeout: 15_000 });
  const items = Number(env("LIBRARY_ITEMS"));
  await page.locator(`#jobs-list .job[data-status="done"]`).first().waitFor({ timeout: 300_000 });
  const counts = await job.locator(".counts").innerText();
  assert.match(counts, new RegExp(`^${items} of ${items + 1} done, 1 failed`), counts);
  assert.equal(await job.locator("progress").getAttribute("value"), String(items + 1));
  const failure = await job.locator(".failures li").innerText();
  assert.ok(failure.includes(env("LIBRARY_MISSING")), failure);
  await shot("02-job-done");

  // One more file uploaded from the library view.
  await page.click('#nav a[data-view="library"]');
  await page.setInputFiles("#upload-files", env("EXTRA_FILE"));
  const rows = page.locator("#media-table tbody tr");
  await page.waitForFunction(
    (n) => {
      const r = [...document.querySelectorAll("#media-table tbody tr")];
      return r.length === n && r.every((row) => row.dataset.status === "ready");
    },
    items + 1,
    { timeout: 300_000, polling: 500 },
  );
  // Thumbnails (and waveforms) load, and each says what it shows.
  await page.waitForFunction(
    () => [...document.querySelectorAll("#media-table img")].every((i) => i.complete && i.naturalWidth > 0),
    null,
    { timeout: 30_000 },
  );
  const images = page.locator("#media-table img");
  assert.ok((await images.count()) >= items, "every ready item shows a preview");
  for (const alt of await images.evaluateAll((all) => all.map((i) => i.alt))) {
    assert.match(alt, /^(Thumbnail|Waveform) of \S/, alt);
  }
  assert.equal(await rows.count(), items + 1);
  await shot("03-library");

  // The same file again: an exact copy, flagged as one with the item it
  // copies.
  await page.setInputFiles("#upload-files", env("EXTRA_FILE"));
  await page.waitForFunction(
    (n) => {
      const r = [...document.querySelectorAll("#media-table tbody tr")];
      return r.length === n && r.every((row) => row.dataset.status === "ready");
    },
    items + 2,
    { timeout: 300_000, polling: 500 },
  );
  const copyRow = page.locator("#media-table tbody tr[data-duplicate-of]");
  assert.equal(await copyRow.count(), 1, "one exact copy flagged");
  const copyOf = await copyRow.getAttribute("data-duplicate-of");
  assert.equal(await copyRow.locator(".duplicate").innerText(), `exact copy of media ${copyOf}`);
  assert.equal(await page.locator(`#media-table tbody tr[data-id="${copyOf}"]`).count(), 1);
  await shot("03b-duplicate");

  // Pages: 4 a page, then the rest under "Show more".
  await page.fill("#page-size", "4");
  await page.locator("#page-size").press("Tab");
  await page.waitForFunction(() => document.querySelectorAll("#media-table tbody tr").length === 4);
  await page.locator("#more").waitFor({ state: "visible" });
  assert.match(await page.locator("#library-message").innerText(), /^4 items shown, more below/);
  await page.click("#more");
  await page.waitForFunction((n) => document.querySelectorAll("#media-table tbody tr").length === n, items + 2);
  assert.equal(await page.locator("#more").isHidden(), true);
  const ids = await rows.evaluateAll((all) => all.map((r) => Number(r.dataset.id)));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), "newest first across pages");
  assert.equal(new Set(ids).size, ids.length, "no item twice");
  await page.fill("#page-size", "100");
  await page.locator("#page-size").press("Tab");
  await page.locator("#more").waitFor({ state: "hidden" });

  // Delete the copy, after saying yes: gone from the table and the API.
  const copyId = await copyRow.getAttribute("data-id");
  page.once("dialog", (d) => d.accept());
  await copyRow.locator("button.delete").click();
  await page.waitForFunction((n) => document.querySelectorAll("#media-table tbody tr").length === n, items + 1);
  const deleted = await page.evaluate(async (id) => (await (await fetch(`/v1/media/${id}`)).json()).status, copyId);
  assert.equal(deleted, "deleted");
  // Saying no deletes nothing.
  page.once("dialog", (d) => d.dismiss());
  await rows.first().locator("button.delete").click();
  assert.equal(await rows.count(), items + 1);

  // A filter: failed shows nothing here.
  await page.selectOption("#status-filter", "failed");
  await page.locator("#library-message").filter({ hasText: "No media yet" }).waitFor();
  await page.selectOption("#status-filter", "");

  // Search with the transformed copy: the original first, its range on the
  // reference timeline where the copy came from.
  await page.click('#nav a[data-view="search"]');
  // A score past 100% is refused before anything is sent.
  await page.fill("#min-score", "150");
  await page.setInputFiles("#search-file", env("QUERY_FILE"));
  await page.locator("#search-message").filter({ hasText: "Minimum score: a percentage" }).waitFor();
  await page.fill("#min-score", "");
  // At most one match, the best.
  await page.fill("#top-k", "1");
  await page.setInputFiles("#search-file", env("QUERY_FILE"));
  const first = page.locator("#results .match").first();
  await first.waitFor({ timeout: 120_000 });
  assert.equal(await page.locator("#results .match").count(), 1, "top-k 1: one match");
  await page.fill("#top-k", "");
  assert.equal(await first.locator(".external-id").innerText(), env("EXPECT_ID"));
  const segment = first.locator(".timeline.reference .segment");
  const start = Number(await segment.getAttribute("data-start"));
  const end = Number(await segment.getAttribute("data-end"));
  const [wantStart, wantEnd] = [Number(env("EXPECT_START")), Number(env("EXPECT_END"))];
  assert.ok(Math.abs(start - wantStart) <= 1.0, `reference starts at ${start}, expected ${wantStart}`);
  assert.ok(Math.abs(end - wantEnd) <= 1.0, `reference ends at ${end}, expected ${wantEnd}`);
  assert.ok(await first.locator(".timeline.query .segment").count() === 1, "a query timeline");
  // The bar is drawn where the numbers say: the segment's left edge sits at
  // start / duration of the bar's width.
  const geometry = await segment.evaluate((s) => {
    const bar = s.parentElement.getBoundingClientRect();
    const box = s.getBoundingClientRect();
    return { left: (box.left - bar.left) / bar.width, width: box.width / bar.width };
  });
  assert.ok(geometry.left > 0.05 && geometry.width > 0.1, JSON.stringify(geometry));
  const strip = first.locator(".strip img");
  assert.ok((await strip.count()) >= 3, "a strip of matched frames");
  await shot("04-search");

  // Play the matched range: the player starts at the range's start (through
  // HTTP range requests) and stops at its end.
  await first.locator("button.play").click();
  const player = page.locator("#video-player");
  await player.waitFor({ state: "visible" });
  await page.waitForFunction(
    () => {
      const v = document.querySelector("#video-player");
      return v.dataset.stoppedAt !== undefined;
    },
    null,
    { timeout: 60_000, polling: 200 },
  );
  const played = await player.evaluate((v) => ({
    stoppedAt: Number(v.dataset.stoppedAt),
    start: Number(v.dataset.start),
    end: Number(v.dataset.end),
    played: [...Array(v.played.length).keys()].map((i) => [v.played.start(i), v.played.end(i)]),
  }));
  assert.ok(played.stoppedAt >= played.end - 0.05 && played.stoppedAt < played.end + 1.0, JSON.stringify(played));
  assert.ok(played.played.some(([a]) => Math.abs(a - played.start) < 0.75), JSON.stringify(played));
  assert.ok(played.played.every(([a]) => a >= played.start - 0.75), JSON.stringify(played));
  assert.ok(ranged.length > 0, "the player asked for its file with a Range header");
  const part = await page.evaluate(async (file) => {
    const r = await fetch(file, { headers: { Range: "bytes=100-199" } });
    return { status: r.status, range: r.headers.get("content-range"), bytes: (await r.arrayBuffer()).byteLength };
  }, ranged[ranged.length - 1]);
  assert.equal(part.status, 206, JSON.stringify(part));
  assert.ok(part.range.startsWith("bytes 100-199/") && part.bytes === 100, JSON.stringify(part));
  // The player sits in the result that was played, under its button.
  assert.equal(await first.locator("#player-box").count(), 1, "the player is in the result clicked");
  const [buttonBox, playerBox] = [await first.locator("button.play").boundingBox(), await player.boundingBox()];
  assert.ok(playerBox.y > buttonBox.y, JSON.stringify({ buttonBox, playerBox }));
  await shot("05-played");

  // The review loop: confirmed (and undone), excluded (and undone), then
  // "Not a match" (undone, and again); the same file searched again no
  // longer finds it, and the decision is listed.
  const decided = (state) =>
    page.waitForFunction((s) => document.querySelector("#results .match").dataset.decision === s, state);
  const undone = () =>
    page.waitForFunction(() => document.querySelector("#results .match").dataset.decision === undefined);
  const undo = first.locator("button.undo");
  assert.equal(await undo.isVisible(), false, "no undo before a decision");
  await first.locator("button.confirmed").click();
  await decided("confirmed");
  assert.equal(await first.locator("button.dismissed").isVisible(), false, "one decision at a time");
  await undo.click();
  await undone();
  await first.locator("button.excluded").click();
  await decided("excluded");
  const excluded = await page.evaluate(async () => (await fetch("/v1/exclusions")).json());
  assert.equal(excluded.exclusions.length, 1, JSON.stringify(excluded));
  await undo.click();
  await undone();
  const dismiss = first.locator("button.dismissed");
  assert.equal(await dismiss.innerText(), "Not a match");
  await dismiss.click();
  await decided("dismissed");
  await undo.click();
  await undone();
  await dismiss.click();
  await decided("dismissed");
  await shot("05b-dismissed");
  const expectId = env("EXPECT_ID");
  const listed = await page.evaluate(async () => (await fetch("/v1/matches/decisions")).json());
  assert.deepEqual(
    listed.decisions.map((d) => [d.external_id, d.decision]),
    [[expectId, "false_positive"]],
    JSON.stringify(listed),
  );
  const left = await page.evaluate(async () => (await fetch("/v1/exclusions")).json());
  assert.equal(left.exclusions.length, 0, JSON.stringify(left));
  await page.evaluate(() => { document.querySelector("#search-message").textContent = ""; });
  await page.setInputFiles("#search-file", env("QUERY_FILE"));
  await page.waitForFunction(
    () => /^(\d+ match|No copies)/.test(document.querySelector("#search-message").textContent),
    null,
    { timeout: 120_000 },
  );
  const again = await page.locator("#results .match .external-id").allInnerTexts();
  assert.ok(!again.includes(env("EXPECT_ID")), `a dismissed match came back: ${again}`);

  // A compilation that uses the clip twice: one match, each use its own
  // segment on both timelines, the other content between them in neither.
  await page.click('#nav a[data-view="search"]');
  await page.setInputFiles("#search-file", env("COMPILATION_FILE"));
  const compiled = page.locator("#results .match").first();
  await compiled.locator(".timeline.reference").waitFor({ timeout: 120_000 });
  assert.equal(await compiled.locator(".external-id").innerText(), env("EXPECT_ID"));
  const marks = compiled.locator(".timeline.reference .segment");
  assert.equal(await marks.count(), 2, "two segments on the reference timeline");
  assert.equal(await compiled.locator(".timeline.query .segment").count(), 2, "two on the query timeline");
  const expected = env("COMPILATION_SEGMENTS").split(",").map((s) => s.split("-").map(Number));
  for (const [i, [wantStart, wantEnd]] of expected.entries()) {
    const mark = marks.nth(i);
    const [a, b] = [Number(await mark.getAttribute("data-start")), Number(await mark.getAttribute("data-end"))];
    assert.ok(Math.abs(a - wantStart) <= 1.0 && Math.abs(b - wantEnd) <= 1.0,
      `segment ${i}: ${a}-${b}, expected ${wantStart}-${wantEnd}`);
  }
  // Drawn apart: the second starts to the right of the first's end.
  const boxes = await marks.evaluateAll((all) => all.map((m) => m.getBoundingClientRect()).map((r) => [r.left, r.right]));
  assert.ok(boxes[1][0] > boxes[0][1], JSON.stringify(boxes));
  await shot("06-compilation");

  // A still of the clip: found where it sits, shown at that frame (no
  // zero-length "Play from 10.0 s to 10.0 s").
  await page.setInputFiles("#search-file", env("STILL_FILE"));
  const still = page.locator("#results .match").first();
  await still.locator("button.play").waitFor({ timeout: 120_000 });
  assert.equal(await still.locator(".external-id").innerText(), env("EXPECT_ID"));
  const stillAt = Number(env("STILL_AT"));
  const show = await still.locator("button.play").innerText();
  const at = show.match(/^Show \S+ at (\d+\.\d) s$/);
  assert.ok(at && Math.abs(Number(at[1]) - stillAt) <= 1.0, show);
  await still.locator("button.play").click();
  await page.waitForFunction(
    () => {
      const v = document.querySelector("#video-player");
      return v.readyState >= 2 && v.dataset.still === "true";
    },
    null,
    { timeout: 60_000 },
  );
  const frame = await player.evaluate((v) => ({ paused: v.paused, at: v.currentTime }));
  assert.ok(frame.paused && Math.abs(frame.at - stillAt) <= 1.0, JSON.stringify(frame));
  assert.equal(await still.locator("#player-box").count(), 1);
  await shot("06b-still");

  // Words said: a video and a subtitle file of the same name chosen
  // together, uploaded as one item whose row says the cue was read; then
  // searched by itself and the line at once (both searchers find it; its
  // cue is on a timeline and plays), and by the words alone. A subtitle
  // file chosen alone is refused with a reason.
  await page.click('#nav a[data-view="library"]');
  await page.setInputFiles("#upload-files", env("SUBTITLES_FILE"));
  await page.waitForFunction(
    () => document.querySelector("#library-message.error")?.textContent.includes("same name"),
    null,
    { timeout: 10_000 },
  );
  await page.setInputFiles("#upload-files", [env("DIALOGUE_FILE"), env("SUBTITLES_FILE")]);
  await page.waitForFunction(
    () => [...document.querySelectorAll("#media-table tbody tr")]
      .some((row) => row.textContent.includes("dialogue.mp4") && row.dataset.status === "ready"),
    null,
    { timeout: 300_000, polling: 500 },
  );
  const dialogueRow = page.locator("#media-table tbody tr", { hasText: "dialogue.mp4" });
  assert.equal(await dialogueRow.locator(".subtitles").innerText(), "subtitles dialogue.srt: 1 cue");
  await dialogueRow.scrollIntoViewIfNeeded();
  await shot("06b-subtitles");
  await page.click('#nav a[data-view="search"]');
  await page.fill("#search-text", '"lighthouse keeper"');
  await page.setInputFiles("#search-file", env("DIALOGUE_FILE"));
  const spoken = page.locator("#results .match").first();
  await spoken.locator("button.cue").first().waitFor({ timeout: 120_000 });
  assert.equal(await spoken.locator(".external-id").innerText(), "dialogue.mp4");
  assert.equal(await spoken.getAttribute("data-found-by"), "media dialogue");
  assert.match(await spoken.locator(".found-by").innerText(), /pictures and sound.*dialogue/);
  assert.equal(await spoken.locator(".cue-text mark").first().innerText(), "lighthouse");
  const cueMark = spoken.locator(".timeline.dialogue .segment");
  assert.equal(await cueMark.count(), 1);
  assert.equal(Number(await cueMark.getAttribute("data-start")), 1);
  await spoken.locator("button.cue").first().click();
  await page.waitForFunction(
    () => {
      const v = document.querySelector("#video-player");
      return v.readyState >= 2 && v.dataset.start === "1" && v.dataset.end === "2.5";
    },
    null,
    { timeout: 60_000 },
  );
  await shot("06c-dialogue");
  await page.fill("#search-url", "");
  await page.click('#search-form button[type="submit"]');
  await page.waitForFunction(
    () => document.querySelector("#results .match")?.dataset.foundBy === "dialogue",
    null,
    { timeout: 60_000 },
  );
  assert.equal(await page.locator("#results .match .external-id").first().innerText(), "dialogue.mp4");
  await page.fill("#search-text", "");

  // A phone's width: the header wraps, sign-out stays on screen, nothing
  // is wider than the screen.
  await page.setViewportSize({ width: 420, height: 860 });
  for (const view of ["search", "library"]) {
    await page.click(`#nav a[data-view="${view}"]`);
    const signout = await page.locator("#signout").boundingBox();
    assert.ok(signout && signout.x >= 0 && signout.x + signout.width <= 420, `${view}: ${JSON.stringify(signout)}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 420, `${view}: the page is ${width} px wide at 420`);
  }
  await shot("07-narrow");

  // Signing out returns to the form and the files are closed to the page.
  await page.click("#signout");
  await page.locator("#signin-view").waitFor({ state: "visible" });
  const afterSignOut = await page.evaluate(async () => (await fetch("/v1/session")).status);
  assert.equal(afterSignOut, 401);
  assert.deepEqual(consoleErrors, []);
  console.log("console e2e: every step passed");
} catch (e) {
  if (page) await shot("failure").catch(() => {});
  console.error(e && e.stack ? e.stack : String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}

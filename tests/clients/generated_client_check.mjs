// A client generated from the running service's /v1/openapi.json (by
// swagger-typescript-api, from npm) used as an application would use it:
// a CSV job uploaded, its progress polled, searches by upload, by URL with
// metadata filters and in a batch, and an item's previews read.
// Every call goes through the generated code; nothing here writes a URL.
// Run by tests/it/api.rs, which checks the summary it prints as JSON.
//
// Environment: CLICKPRINT_URL (the service), CLICKPRINT_KEY (a tenant's
// API key), CLICKPRINT_FILES (a folder with crop.jpg, a copy of the
// library's original.png), CLICKPRINT_SERVED (a base URL serving that
// folder, for the job's CSV).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApi } from "swagger-typescript-api";

const base = process.env.CLICKPRINT_URL;
const key = process.env.CLICKPRINT_KEY;
const files = process.env.CLICKPRINT_FILES;
const served = process.env.CLICKPRINT_SERVED;

// 1. Generate the client from the service's own document.
const spec = await (await fetch(`${base}/v1/openapi.json`)).json();
const out = mkdtempSync(join(tmpdir(), "clickprint-generated-"));
writeFileSync(join(out, "openapi.json"), JSON.stringify(spec));
// The generated module is ES module code.
writeFileSync(join(out, "package.json"), '{"type": "module"}');
await generateApi({
  input: join(out, "openapi.json"),
  output: out,
  fileName: "clickprint.js",
  toJS: true,
  moduleNameFirstTag: true,
  silent: true,
});
const generated = await import(join(out, "clickprint.js"));
const api = new generated.Api({
  baseUrl: base,
  securityWorker: () => ({ headers: { Authorization: `Bearer ${key}` } }),
});

const summary = { generated_operations: {} };
for (const group of ["jobs", "media", "search"]) {
  summary.generated_operations[group] = Object.keys(api[group] ?? {}).sort();
}

// The generated client throws the response on a non-2xx answer; its body
// is read into `error`.
async function call(promise) {
  try {
    const response = await promise;
    return { status: response.status, data: response.data };
  } catch (response) {
    if (typeof response?.status !== "number") throw response;
    return { status: response.status, error: response.error ?? null };
  }
}

// 2. A CSV job uploaded as the document describes it (a multipart file).
const csv =
  "url,external_id,team\n" +
  `${served}/original.png,original,red\n` +
  `${served}/other.png,other,blue\n`;
const job = await call(
  api.jobs.createJob({
    file: new File([csv], "library.csv", { type: "text/csv" }),
  }),
);
summary.job_created = job.status;
let progress = job;
for (let i = 0; i < 1200 && progress.data?.status !== "done"; i++) {
  await new Promise((r) => setTimeout(r, 200));
  progress = await call(api.jobs.getJob(job.data.id));
}
summary.job = {
  status: progress.data?.status,
  completed: progress.data?.completed,
  failed: progress.data?.failed,
};

// 3. The library as the generated client lists it.
const page = await call(api.media.listMedia({ status: "ready" }));
const ids = Object.fromEntries(
  (page.data?.media ?? []).map((m) => [m.external_id, m.id]),
);
summary.ready = Object.keys(ids).sort();

// 4. Search by upload (the multipart form the document describes beside
// the JSON one), by URL with metadata filters, and in a batch.
const crop = readFileSync(join(files, "crop.jpg"));
const byUpload = await call(
  api.search.search(
    { file: new File([crop], "crop.jpg", { type: "image/jpeg" }) },
    { type: generated.ContentType.FormData },
  ),
);
summary.by_upload = {
  status: byUpload.status,
  top: byUpload.data?.matches?.[0]?.external_id ?? null,
  metadata: byUpload.data?.matches?.[0]?.metadata ?? null,
};
summary.filtered = {};
for (const team of ["red", "blue"]) {
  const found = await call(
    api.search.search({ url: `${served}/crop.jpg`, filter: { team } }),
  );
  summary.filtered[team] = (found.data?.matches ?? []).map((m) => m.external_id);
}
const batch = await call(
  api.search.searchBatch({
    queries: [{ url: `${served}/crop.jpg` }, { media_id: 999999 }],
  }),
);
summary.batch = {
  status: batch.status,
  results: (batch.data?.results ?? []).map((r) => ({
    status: r.status,
    top: r.answer?.matches?.[0]?.external_id ?? null,
    error: r.error ?? null,
  })),
};

// 5. Previews by item id and file name.
const listed = await call(api.media.listMediaPreviews(ids.original));
summary.previews_json = listed.status;
const thumbName = listed.data?.thumbnail;
summary.thumbnail = thumbName ?? null;
const thumb = await call(
  api.media.getMediaPreview(ids.original, thumbName, { format: "arrayBuffer" }),
);
const bytes = thumb.data ? new Uint8Array(thumb.data) : new Uint8Array();
summary.thumb = { status: thumb.status, jpeg: bytes[0] === 0xff && bytes[1] === 0xd8 };
const missing = await call(api.media.getMediaPreview(ids.original, "nothing.jpg"));
summary.missing_preview = missing.status;

console.log(JSON.stringify(summary));

// The whole job flow with plain fetch (node >= 18): a cross-language check of the mock server.
// Usage: node flow.mjs http://127.0.0.1:PORT
const base = process.argv[2];
if (!base) {
  console.error("usage: node flow.mjs BASE_URL");
  process.exit(2);
}

async function call(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

function check(condition, message) {
  if (!condition) {
    console.error("FAILED: " + message);
    process.exit(1);
  }
}

const created = await call("POST", "/api/v1/characters", { name: "Node Runner" });
check(created.status === 201, `create character: ${created.status}`);
const id = created.body.id;

const initial = await call("POST", `/api/v1/characters/${id}/generate-initial-image`, {
  prompt: "a runner in a red coat",
});
check(initial.status === 200 && initial.body.data.dinoAssetId, "generate-initial-image");

const started = await call("POST", `/api/v1/characters/${id}/generate-360-set`, {
  qualityThreshold: 80,
  imageCount: 27,
  maxRetries: 3,
});
check(started.status === 202 && started.body.status === "accepted", "generate-360-set");
check(started.headers.get("location") === started.body.pollUrl, "Location header");

const deadline = Date.now() + 30000;
let last = null;
const tasks = new Set();
while (Date.now() < deadline) {
  const polled = await call("GET", started.body.pollUrl);
  check(polled.status === 200, `poll: ${polled.status}`);
  last = polled.body;
  if (last.progress.currentTask) tasks.add(last.progress.currentTask);
  if (["completed", "failed", "cancelled"].includes(last.status)) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
check(last && last.status === "completed", `final status: ${last && last.status}`);
check(last.progress.percentage === 100, "100 %");
const images = last.results.generatedImages;
check(images.length + last.results.failedImages.length === 27, "27 shots accounted for");
const png = await fetch(images[0].url);
const bytes = new Uint8Array(await png.arrayBuffer());
check(png.status === 200 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47, "PNG");
const listed = await call("GET", `/api/v1/jobs?characterId=${id}`);
check(listed.body.jobs[0].jobId === started.body.jobId, "job list");
console.log(JSON.stringify({ status: last.status, images: images.length, tasksSeen: tasks.size }));

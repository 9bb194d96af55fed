"""The written part of ``RESULTS.md``: what was changed and what it bought, and why a target
that a run reports as missed is missed, with what would close it.

Figures quoted here were measured with this package on the project's 2-core machine while other
work ran on it; each is a same-run ratio, before and after the change.
"""

from __future__ import annotations

__all__ = ["CHANGES", "REMAINING", "WHY_NOT"]

CHANGES = """
Profiled first (pyinstrument on `client.jobs.get()` against a live mock; cProfile of
`Engine.list_jobs`), then changed only what the profile pointed at.

1. **SDK hot path** (`charlib/_client.py`, `_response.py`, `_headers.py`, `_retry.py`).
   The profile of `jobs.get()` showed, besides httpx itself: two `URL.join` calls per request
   (one of them only to build a retry log line that is almost never printed), a tenacity
   `Retrying` built and run for every request, `response.text` + `json.loads` +
   `model_validate`, a `model_copy` to attach `server_date`, and `email.utils` parsing the
   same `Date` header again and again. Now: resolved URLs are cached per client, the default
   headers and the tenacity arguments are built once per client (the retry log line is
   computed only when a retry is logged), the first attempt runs outside tenacity (a retryable
   failure is replayed as tenacity's attempt 1, so retries, backoff and log lines are
   unchanged), bodies are parsed with `model_validate_json` on the bytes (anything it rejects
   takes the old path, so errors are unchanged), `server_date`/`retry_after` are set on the
   fresh model, `Date` values are parsed through a small cache, and the response log line's
   arguments are only computed when INFO is enabled.
   Bought: `jobs.get()` / raw httpx went from **1.30x wall time (1.47x client CPU)** to
   **1.03x wall (0.99x client CPU)** (`--quick`, same machine, same hour).
2. **Filtered job list** (`mock_server/store.py`). With 10,000 jobs the status filter called
   `status_at` through three chained generators for every job and kept every match. Now one
   loop reads the status of never-cancelled, never-frozen jobs inline (the same rule) and keeps
   only the requested page; the unfiltered list slices ids instead of materialising all jobs.
   Bought: `Engine.list_jobs` at 10,000 jobs 39 -> 28 ms (status=processing), 35 -> 23 ms
   (status=completed), 41 -> 31 ms (type + status), in-process on the loaded machine.
3. **tenacity imported lazily** (`charlib/_client.py`, `_retry.py`). With the first attempt
   outside tenacity, nothing needs it until a retry is due. Bought: about 30 ms of a ~650 ms
   `import charlib` in a fresh interpreter (tenacity pulls in tornado's futures when tornado is
   installed, as it is in the dev environment), i.e. roughly 0.1 off the start-up ratio; within
   the run-to-run noise of the start-up row, so measured separately (7 fresh processes each).
4. Not changed, because measurement said it was already there: the mock's status route
   (`status_fast`, straight on ASGI) is within the target of a bare Starlette route; the status
   latency with 10,000 jobs is within 1.2x of 10 jobs; resident memory with 10,000 jobs is
   about 90 MB; `import charlib` loads none of the server or progress-bar modules; the adaptive
   policy met the first polling targets (0.5x requests, 0.25x lag) with its defaults.
5. **Job list: a status index** (`mock_server/status_index.py`, `store.py`). Measured first
   (`--quick`): 34.7 ms vs 7.8 ms per filtered page, 4.90x. A status is a function of time, so
   the memory store keeps each job in the list of its status at the time of the last question
   and re-asks `status_of` only at the instants `lifecycle.changes_at` names (a heap of them),
   rebuilding if asked about an earlier time; a page is a slice of a list, its total the list's
   length. SQLite: plain jobs by ranges of their times (`lifecycle.plain_window`, partial
   indexes), the others by the SQL function. Bought: 10.4 ms vs 7.5 ms, **1.27x** (`--quick`).
6. **Polling on the server's clock** (`charlib/_pace.py`, `_polling.py`). Measured first at 20x
   over 10 seeds: 0.46x requests / 0.40x lag with a progress callback (every shot shown in 3 of
   10 seeds), 0.45x / 0.28x for a bare wait. Now the policy reads each step's start from the
   status (believed only inside the window of the change), reads the server's time to a
   fraction of a second from many `Date`s, and knows whether anybody is shown the progress: a
   watcher gets one poll per step between the next step's latest start and the one after's
   earliest (every shot shown), a bare wait jumps to just before the last step's earliest end;
   the last step is polled every `timed_hot_fraction` (1/36) of a step from its earliest end.
   Bought (same settings): bare wait about **0.22x requests, 0.11-0.14x lag**; with a
   watcher 0.55-0.6x requests, 0.12x lag, every shot shown in 10 of 10 seeds.
   Then, with a watcher (measured first: 0.607x in a full run, 0.613x `--quick`; on a
   simulated reference server, a shot skipped in 5 % of jobs): the shortest step is planned a
   third below the server's own expectation of a step (its estimate while the first step ran)
   or below the mean if shorter, from the first step on, where it was half below a mean that
   one retried shot could lengthen; the last step's polls sit at fixed times from its start, the
   gaps narrowing from 1.45 to 0.55 `timed_hot_fraction` of a step by the end of an ordinary
   step. Bought: **0.58x requests** (0.580, 0.582) at 0.07-0.08x lag, every shot shown in 10
   of 10 seeds and in 1,000 of 1,000 simulated jobs; the bare wait unchanged (0.24x).
7. **At most 4 requests in flight per AsyncClient pool** (`charlib/_inflight.py`,
   `_client.py`). Measured first: 64 tasks on one client 0.49-0.61x the sync rate (full and
   `--quick` runs); client CPU per request with 64 tasks 4.2-4.3 ms against 1.6-2.1 ms for the
   sync client. cProfile put the difference in httpcore's pool: every queued request and every
   finished response rechecks all connections (with an anyio socket-attribute lookup for each
   idle one), and past 20 kept-alive connections each response closes one and the next request
   opens another (encode/httpx#3215). A semaphore in `AsyncClient` sized 2, 4, 8 or 16 gave
   about 2.7, 2.5-3.0, 3.5-3.8 and 4.2 ms per request; 4 keeps 64 tasks at the cost of 8
   unbounded ones while leaving room for a distant server. Waiting for a slot is the pool's wait
   (its timeout, `httpx.PoolTimeout`, retried as such); an injected `http_client` is not bounded.
   Bought (each pair in the same run): 64 tasks 0.68-0.88x with the bound against
   0.56-0.60x through an unbounded `httpx.AsyncClient()` in three `--quick` runs, 0.72x
   against 0.44x in a full-settings run at load 3.5-8.8; client CPU per request
   with 64 tasks now what 4 tasks cost (1.9 ms at load 1, against 0.95 ms for the sync client).
   Then, **the pool's connections on asyncio** (`charlib/_asyncio_backend.py`): with the bound,
   cProfile of 64 tasks put about a tenth of the client's time in anyio, half of it under
   httpcore's network layer (a cancel scope and an event-loop trip per read and write; each
   idle-connection check asking anyio for the socket through typed-attribute lookups), the rest
   in httpcore's own locks. The pool `AsyncClient` creates now runs httpcore's connection pool
   on a network backend written on an asyncio `Protocol` (httpcore's `network_backend=`, inside
   a small httpx transport, since httpx's own takes no backend); with a proxy in the environment
   the pool is httpx's, as before. Client CPU per request, 64 tasks, 9 interleaved rounds in
   one run at load 5: 2.0 ms against 2.6 ms through httpx's transport with the same bound
   (sync client 1.5 ms); on the new backend a bound of 2, 4 or 8 gave 2.0, 2.0 and 2.5 ms, so 4
   stays. Bought
   (`--quick`, each pair in the same run, load 2.3-6): 64 tasks 0.85, 0.80, 0.87, 0.95 and
   0.91x the sync rate, against 0.52, 0.56, 0.84, 0.77 and 0.85x through httpx's transport
   with the same bound.
8. **Start-up: names loaded on first use** (`charlib/__init__.py`, `_models.py`). Measured
   first: `import charlib` 1.7-2.6x `import httpx, pydantic` (600 ms on a loaded core), most of
   it the pydantic machinery and model building (`_models`: 52-97 ms in-process), asyncio, and
   the download and display modules. Now `import charlib` loads the errors, the defaults and the
   version (with httpx); the other public names load on first use (PEP 562 `__getattr__`, with
   `TYPE_CHECKING` imports so type checkers and IDEs see the classes), and each wire model
   builds its validator when first used (`defer_build`; `_models` 16-30 ms). Bought: `import
   charlib` about 0.85-1.0x `import httpx, pydantic`. The first request (import, `Client()`,
   one `jobs.get`) moved rather than shrank: about 600 against 660 ms of CPU in a fresh
   process, 1.6-1.8x a hand-written httpx client's first GET before and after.
"""

REMAINING = """
- **Start-up**: `import charlib` is now about as cheap as `import httpx, pydantic`, and the
  cost has moved to the first use of a client. A first `jobs.get` in a fresh process still loads
  pydantic's model machinery, asyncio (the clock and the jobs resource import it at the top,
  so a sync-only program pays for it too), the waiting and polling modules and the job status
  model's validator (~35 ms, built with its nested models). What would cut it further: asyncio
  imported only where async code runs, and the waiting modules loaded by the first wait rather
  than by `Client()`.
- **Async throughput, default transport**: with the bound, 64 tasks cost what 4-8 do, and with
  the pool's connections on asyncio 64 tasks reached 0.80-0.95x the sync rate in five `--quick`
  runs at load 2.3-6 (the lowest at the goal). What is left against the sync client is
  httpcore's own pool and HTTP/1.1 work under asyncio: its anyio locks (two a request, each
  with a trip through the event loop), its shielded closes (a cancel scope each), sniffio
  look-ups; about 1.3x the sync client's CPU per request. Those are inside httpcore's
  connection, which has no extension point for them, so the ratio still moves with the load
  on this shared two-core machine. Measured, not shipped: with httpcore's locks and shields
  swapped for asyncio's in a scratch run, CPU per request fell by about another fifth (2.0 to
  1.6 ms, sync 1.4 ms); httpcore's own fix (anyio's `fast_acquire`, encode/httpcore#953) was
  reverted upstream, and the alternative is an HTTP/1.1 connection of charlib's own behind
  the pool's `create_connection`. The aiohttp transport (`charlib[aiohttp]`) costs less still.
- **Job list at scale** (≤ 1.5x): the memory store keeps each job in the list of its status at
  the time of the last question (all, per character, per type) and asks `status_of` again only at
  the instants a status can change (`lifecycle.changes_at`), so a filtered page costs the page:
  the 10,000-job list went from 4.5-5.3x to 1.16x (full run) - 1.27x (`--quick`) of the 10-job
  one. What is left is the
  status index's upkeep when many jobs change status between two lists (one `status_of` call and
  three list moves per change) and the cache misses of a bigger heap. SQLite selects plain jobs
  by ranges of their start and end times (partial indexes) and calls `job_status` only for
  cancelled or frozen ones; the bench measures the memory store, the default.
- **Polling** plans on the server's clock: when each step began (from `startedAt` or the
  estimate refreshed at each step, believed only inside the window of the change), the pace and
  the shortest and longest step, and whether anybody is shown the progress. With nobody watching
  a wait jumps to just before the last step's earliest end: about 0.2x the requests of fixed
  15 s polling and 0.1-0.14x its lag. With somebody watching, every shot is shown and the lag is
  as small, but requests stay near 0.58x: see "Targets not met".
"""

WHY_NOT: dict[str, str] = {
    "1. SDK overhead": (
        "What remains is httpx's own `build_request` header merge for the two default headers "
        "and run-to-run noise on a shared 2-core machine (the client CPU ratio, which a busy "
        "neighbour disturbs less, is the steadier figure). Closing it further: give an owned "
        "`httpx.Client` the `Accept`/`User-Agent` headers at construction and pass no "
        "per-request headers (an injected or shared client still needs them per request)."
    ),
    "2. Mock throughput": (
        "The status route already bypasses Starlette's router (`status_fast`); what is left is "
        "the middleware's Date header, the journal entry and rendering a processing job's body "
        "per request. Closing it: cache a processing job's body for the current progress step "
        "(it changes once per shot) the way final bodies are cached."
    ),
    "3. Scale: status latency": (
        "With 10,000 jobs polled in turn, `build_plan`'s LRU cache (8,192 plans) misses and "
        "plans are rebuilt. Closing it: size the cache above the number of active jobs (about "
        "5 KB per plan, so 16,384 plans cost about 40 MB more at 10,000 jobs) or store the plan's "
        "offsets with the job facts."
    ),
    "3. Scale: memory": (
        "Most of the resident memory at 10,000 jobs is the plan cache (about 5 KB per job). "
        "Closing it: keep only the shot offsets per job and build the rest of a plan on demand."
    ),
    "3. Scale: memory per wait": (
        "Each waiting task holds its Waiter, its last JobStatus and, while a poll is queued in "
        "httpcore's pool, a request and its pool-waiting state. Closing it: bound in-flight "
        "polls (`wait_all(..., concurrency=...)` holds a few KB per job)."
    ),
    "3. Scale: async throughput": (
        "With the bound (at most 4 requests in flight on the pool `AsyncClient` creates) 64 "
        "tasks cost what 4-8 unbounded ones do, and the pool's connections run on asyncio "
        "without anyio; what is left against the sync client is httpcore's own pool and "
        "HTTP/1.1 work per async request (anyio locks with an event-loop trip each, shielded "
        "closes), about 1.3x the sync client's CPU per request, so on a machine whose cores "
        "are all busy the ratio falls to about 0.8x. Look at the row through httpx's own "
        "transport with the same bound: if it is far below this one, the machine was loaded. "
        "For a caller who needs more: `http_client=httpx_aiohttp.HttpxAiohttpClient()` (the "
        "`charlib[aiohttp]` extra)."
    ),
    "4. Polling: requests": (
        "With a progress consumer every shot must be shown, so every step needs a poll that "
        "lands inside it: 27 polls for 27 shots, whatever the policy. On top of those, seeing "
        "the end within 0.15x of fixed 15 s polling's lag (about 1 s) needs short polls over the "
        "last step's uncertain end (30-60 s for a successful attempt, longer after a failed "
        "one). The oracle-floor rows measure what that costs at best, from the same run: a "
        "policy that knows when every step starts (read from the job's plan), polls once in "
        "each, and spaces its last-step polls as well as the mock's law of a shot's end allows "
        "(gaps of about 3 s narrowing to about 1 s across a successful attempt's window) needs "
        "26 + about 9 requests per seed, 0.42-0.43x fixed polling's at 0.15x its lag (0.42x at "
        "the fixed policy's expected lag of 7.5 s, which does not move with the run). Held to "
        "0.40x the requests, it has to accept a lag of about 1.45 s, 0.20-0.22x fixed "
        "polling's. So no policy meets both targets while every shot is shown. The SDK's policy "
        "makes 0.58x (from 0.61x: the shortest step is planned a third below the server's own "
        "expectation of a step from the first step on, and the last step's polls narrow "
        "towards the end of an ordinary step at fixed times from its start), at a lag of "
        "0.07-0.08x, about half the oracle's. Where its requests above the oracle's go, counted "
        "on a simulated reference server over 1,000 jobs (46.8 requests a job, 49.2 before): "
        "about 2 in the first step (the second and third polls measure the server clock's pace "
        "before anything can be planned); about 1 in the next four (the shortest step is not "
        "measured yet); about 3.4 in the later steps (a step that runs past twice the shortest "
        "one, mostly a retried shot, is looked at twice so that no shot is skipped: the oracle "
        "knows when it ends); and the last step's polls, which buy a lag below the oracle's. "
        "The same simulation showed every shot in 1,000 of 1,000 jobs (949 before). The bare "
        "wait (nobody watching) meets both targets. What would lower it: show shots late (drop "
        "the no-skip guarantee), or a coarser last-step spacing (`timed_hot_fraction`) at the "
        "price of lag: in the simulation, 0.53x at 0.11x lag, but the bench's lag ratio moves "
        "by 0.05 from run to run (the fixed policy's lag is what moves), so 0.15x would not "
        "hold."
    ),
    "4. Polling: detection lag": (
        "The adaptive lag is about half the last step's poll spacing (gaps narrowing from 1.45 "
        "to 0.55 `timed_hot_fraction` of a step, about 1.9 s to 0.7 s, at fixed times from the "
        "step's start) plus the polls' latency, 0.5-0.9 s of server time; the fixed policy's "
        "mean lag is what moves between runs, since each seed's end falls uniformly within a "
        "15 s interval (the bench averages two fixed waits half a period apart to narrow it). "
        "What would lower the adaptive lag itself: a smaller `timed_hot_fraction`, at the price "
        "of requests."
    ),
    "6. Download: throughput": (
        "Measured on this machine (`--quick` rounds, load average about 3 on 2 cores): 0.66x "
        "with 27 x 2 MB images, and 0.88x with `os.fsync` stubbed out (1.09x in a run with 1 "
        "MB images), so most of the gap is the cost of the bytes themselves: charlib writes "
        "all 27 files to disk and `fsync`s each before renaming it (a power cut never leaves "
        "a partial file under a final name), and hashes them (SHA-256, for the manifest and "
        "re-runs), where the baseline keeps the bodies in memory. The `fsync`s run in worker "
        "threads, off the event loop, and renames are made durable by one directory sync at "
        "the end; the rest (hashing, the writes, the manifest after each file) is about a "
        "tenth. What would close it: a faster disk, or an opt-out of durability, which this "
        "SDK does not offer, since a set that survives a crash is the point of saving it. The"
        " hand-written row compares with a loop that writes files without `fsync` or checks."
    ),
    "5. Start-up": (
        "Either `import charlib` loaded a module it must leave for first use (see the detail "
        "column; `tests/test_import_light.py` fails in that case too), or its time went over "
        "1.3x `import httpx, pydantic`: `python -X importtime -c 'import charlib'` names what "
        "was added."
    ),
}

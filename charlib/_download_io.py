"""The I/O of downloads, twice: blocking (threads) for :class:`~charlib.Client`, awaited (tasks)
for :class:`~charlib.AsyncClient`.

Everything else is decided once, elsewhere: one image's requests, retries and fallbacks by
:func:`charlib._download.image_flow`, the set's plan, manifest and report by
:class:`charlib._download_set.DownloadSet`. A driver here only carries out the flow's commands
(send, read a chunk, close, sleep, fetch the gallery), and a runner only runs at most
``concurrency`` flows at once: ``concurrency`` worker threads, or as many tasks.

Media requests are built whole by the flow (``httpx.Request``, not ``build_request``) and sent
without the HTTP client's own auth, cookies or redirect handling, so nothing but what the flow
decided, the API key included, goes to a media host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from charlib._download import (
    Close,
    Commit,
    Fetched,
    Flush,
    Gallery,
    ImageFlow,
    NotFetched,
    Open,
    Outcome,
    Read,
    image_flow,
    step,
)
from charlib._download_set import (
    DownloadOptions,
    DownloadReport,
    DownloadSet,
    finished,
    job_reference,
)
from charlib._exceptions import CharlibError, InvalidParameterError
from charlib._files import PartFile, file_stem, safe_slug
from charlib._media import Fetcher, MemorySink, Sink, Target
from charlib._models import Character, GeneratedImage, JobStatus
from charlib._shots import shot_slug

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

__all__ = [
    "download_set",
    "download_set_async",
    "download_status",
    "read_image",
    "save_image",
]

logger = logging.getLogger("charlib")
T = TypeVar("T")

#: How many jobs of the job list to look through for a job's character (the live service's
#: status has no ``characterId``); a job being downloaded is recent, so it is near the top.
CHARACTER_LOOKUP_LIMIT = 500


def fetcher_for(
    client: Client | AsyncClient,
    max_bytes: int,
    job_id: str | None = None,
    character_id: str | None = None,
) -> Fetcher:
    """The shared state of a run with this client's origin, key, timeout and retry policy."""
    return Fetcher(
        base_url=client.base_url,
        api_key=client._api_key,
        user_agent=client._headers["User-Agent"],
        timeout=client.timeout,
        policy=client.retry,
        max_bytes=max_bytes,
        job_id=job_id,
        character_id=character_id,
    )


def _sending(command: Open) -> dict[str, Any]:
    """``send`` options: no redirects (the flow follows them), no client auth away from home."""
    return (
        {"follow_redirects": False} if command.home else {"follow_redirects": False, "auth": None}
    )


def _found(character_id: str | None, fetcher: Fetcher) -> str | None:
    if character_id:
        fetcher.character_id = character_id
    return character_id


# -- blocking ------------------------------------------------------------------------------------


def _character(client: Client, fetcher: Fetcher) -> Character | None:
    """The job's character (found through the job list when the status did not name it)."""
    try:
        character_id = fetcher.character_id
        if character_id is None and fetcher.job_id is not None:
            for count, job in enumerate(client.jobs.list_all(limit=100)):
                if job.job_id == fetcher.job_id:
                    character_id = _found(job.character_id, fetcher)
                if character_id is not None or count >= CHARACTER_LOOKUP_LIMIT:
                    break
        return client.characters.get(character_id) if character_id else None
    except CharlibError as error:
        logger.warning("Cannot look up the gallery of job %s: %s", fetcher.job_id, error)
        return None


def _gallery(client: Client, fetcher: Fetcher) -> dict[str, str]:
    with fetcher.gallery_lock:  # one lookup per run, whichever thread asks first
        if fetcher.gallery is None:
            fetcher.set_gallery(_character(client, fetcher))
        return fetcher.gallery or {}


def _close(response: httpx.Response | None, fetcher: Fetcher) -> None:
    if response is not None:
        fetcher.untrack(response)
        response.close()


def drive(client: Client, fetcher: Fetcher, target: Target) -> Outcome | None:
    """Carry out one image's flow with blocking calls; ``None`` if the run was stopped."""
    flow: ImageFlow = image_flow(fetcher, target)
    http = client._http
    response: httpx.Response | None = None
    chunks: Iterator[bytes] = iter(())
    reply: Any = None
    try:
        while not fetcher.stopped:
            command = step(flow, reply)
            if isinstance(command, Fetched | NotFetched):
                return command
            reply = None
            if isinstance(command, Open):
                _close(response, fetcher)
                response = None
                try:
                    response = http.send(command.request, stream=True, **_sending(command))
                except (httpx.RequestError, httpx.InvalidURL) as exc:  # see Open
                    reply = exc
                else:
                    fetcher.track(response)
                    chunks, reply = response.iter_bytes(), response
            elif isinstance(command, Read):
                try:
                    reply = next(chunks, None)
                except httpx.RequestError as exc:
                    reply = exc
            elif isinstance(command, Close):
                _close(response, fetcher)
                response = None
            elif isinstance(command, Flush):
                command.sink.flush()
            elif isinstance(command, Commit):
                reply = command.sink.commit()
            elif isinstance(command, Gallery):
                reply = _gallery(client, fetcher)
            else:
                client.clock.sleep(command.seconds)
        return None
    finally:
        flow.close()
        _close(response, fetcher)


def _run_all(client: Client, run: DownloadSet) -> None:
    """Every remaining image of ``run``, at most ``concurrency`` at once (worker threads)."""
    todo = run.todo

    def one(shot: Any) -> None:
        run.record(shot, drive(client, run.fetcher, run.target(shot)))

    workers = min(run.options.concurrency, len(todo))
    if workers <= 1:
        for shot in todo:
            one(shot)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="charlib-download")
    try:
        futures = [pool.submit(one, shot) for shot in todo]
        for future in futures:
            future.result()
    except BaseException:
        run.fetcher.stop()  # the others end at their next step (open responses are closed)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def download_set(client: Client, job: object, options: DownloadOptions) -> DownloadReport:
    """``client.jobs.download``: the set of a finished job into ``options.dest``."""
    client._ensure_open()  # the images are fetched through the client's pool
    job_id, status = job_reference(job)
    status = finished(status if status is not None else client.jobs.get(job_id))
    fetcher = fetcher_for(client, options.max_bytes, status.job_id, status.character_id)
    run = DownloadSet.begin(status, options, fetcher)
    try:
        _run_all(client, run)
    finally:
        report = run.finish()  # also after Ctrl-C: the manifest says what is saved
    return report


# -- awaited -------------------------------------------------------------------------------------


async def _character_async(client: AsyncClient, fetcher: Fetcher) -> Character | None:
    """Same as :func:`_character`, awaited."""
    try:
        character_id = fetcher.character_id
        if character_id is None and fetcher.job_id is not None:
            count = 0
            async for job in client.jobs.list_all(limit=100):
                if job.job_id == fetcher.job_id:
                    character_id = _found(job.character_id, fetcher)
                count += 1
                if character_id is not None or count > CHARACTER_LOOKUP_LIMIT:
                    break
        return await client.characters.get(character_id) if character_id else None
    except CharlibError as error:
        logger.warning("Cannot look up the gallery of job %s: %s", fetcher.job_id, error)
        return None


async def _gallery_async(
    client: AsyncClient, fetcher: Fetcher, lock: asyncio.Lock
) -> dict[str, str]:
    async with lock:
        if fetcher.gallery is None:
            fetcher.set_gallery(await _character_async(client, fetcher))
        return fetcher.gallery or {}


async def _in_thread(work: Callable[[], T]) -> T:
    """``work()`` in a thread; if the caller is cancelled meanwhile, the file operation still
    ends before the cancellation goes on (the flow then discards the sink: its file descriptor
    must not be closed under a write, nor reused by another file while one runs)."""
    running = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait([running])
        raise


class _Slot:
    """One of the ``concurrency`` places for an open response, held from a request to the end
    of its body (a commit, a flush or a sleep happens outside it)."""

    def __init__(self, limit: asyncio.Semaphore | None) -> None:
        self._limit = limit
        self._held = False

    async def take(self) -> None:
        if self._limit is not None and not self._held:
            await self._limit.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._limit is not None and self._held:
            self._limit.release()
            self._held = False


async def drive_async(
    client: AsyncClient,
    fetcher: Fetcher,
    target: Target,
    lock: asyncio.Lock,
    limit: asyncio.Semaphore | None = None,
) -> Outcome:
    """Same as :func:`drive`, awaited (cancelling the task stops it); with ``limit``, a response
    is open only while holding one of its places."""
    flow: ImageFlow = image_flow(fetcher, target)
    http = client._http
    slot = _Slot(limit)
    response: httpx.Response | None = None
    chunks: AsyncIterator[bytes] | None = None
    reply: Any = None
    try:
        while True:
            command = step(flow, reply)
            if isinstance(command, Fetched | NotFetched):
                return command
            reply = None
            if isinstance(command, Open):
                if response is not None:
                    await response.aclose()
                response = None
                await slot.take()
                try:
                    response = await http.send(command.request, stream=True, **_sending(command))
                except (httpx.RequestError, httpx.InvalidURL) as exc:  # see Open
                    reply = exc
                else:
                    chunks, reply = response.aiter_bytes(), response
            elif isinstance(command, Read):
                assert chunks is not None
                try:
                    reply = await anext(chunks, None)
                except httpx.RequestError as exc:
                    reply = exc
            elif isinstance(command, Close):
                if response is not None:
                    await response.aclose()
                response = None
                slot.give_back()
            elif isinstance(command, Flush):  # file writes and hashing: off the event loop
                await _in_thread(command.sink.flush)
            elif isinstance(command, Commit):  # the body is read: fsync off the event loop
                slot.give_back()
                reply = await _in_thread(command.sink.commit)
            elif isinstance(command, Gallery):
                slot.give_back()
                reply = await _gallery_async(client, fetcher, lock)
            else:
                slot.give_back()
                await client.clock.asleep(command.seconds)
    finally:
        flow.close()
        if response is not None:
            await response.aclose()
        slot.give_back()


async def _run_all_async(client: AsyncClient, run: DownloadSet) -> None:
    """Every remaining image of ``run``, at most ``concurrency`` responses open at once (a task
    per image: one whose body is read makes its file final while the next one downloads)."""
    lock = asyncio.Lock()
    limit = asyncio.Semaphore(run.options.concurrency)

    async def one(shot: Any) -> None:
        outcome = await drive_async(client, run.fetcher, run.target(shot), lock, limit)
        done = await asyncio.to_thread(run.keep, shot, outcome)  # the manifest: a file write
        run.report(done)

    tasks = [asyncio.ensure_future(one(shot)) for shot in run.todo]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def download_set_async(
    client: AsyncClient, job: object, options: DownloadOptions
) -> DownloadReport:
    """Same as :func:`download_set`, awaited (hashing earlier files runs in a thread)."""
    client._ensure_open()
    job_id, status = job_reference(job)
    status = finished(status if status is not None else await client.jobs.get(job_id))
    fetcher = fetcher_for(client, options.max_bytes, status.job_id, status.character_id)
    run = await asyncio.to_thread(DownloadSet.begin, status, options, fetcher)
    try:
        await _run_all_async(client, run)
    finally:
        report = run.finish()
    return report


# -- one image, or a status, without a set -------------------------------------------------------


@contextlib.contextmanager
def _client_or_env(client: Client | None) -> Iterator[Client]:
    """``client``, or a :class:`~charlib.Client` from the environment (closed afterwards)."""
    if client is not None:
        yield client
        return
    from charlib._client import Client

    with Client() as fresh:
        yield fresh


def _one(image: GeneratedImage, client: Client | None, max_bytes: int, target: Target) -> Fetched:
    if not isinstance(image, GeneratedImage):
        raise InvalidParameterError("image", f"must be a GeneratedImage, got {image!r}")
    with _client_or_env(client) as chosen:
        outcome = drive(chosen, fetcher_for(chosen, max_bytes), target)
    assert outcome is not None  # a lone flow is never stopped
    if not isinstance(outcome, Fetched):
        raise outcome.error
    return outcome


def _label(image: GeneratedImage) -> str:
    return f"image {image.media_id or image.url or '?'}"


def read_image(image: GeneratedImage, client: Client | None, *, max_bytes: int) -> bytes:
    """``GeneratedImage.read``."""
    target = Target(image.url, image.media_id, _label(image), lambda ext: MemorySink())
    value = _one(image, client, max_bytes, target).value
    assert isinstance(value, bytes)
    return value


def save_image(
    image: GeneratedImage, path: str | os.PathLike[str], client: Client | None, *, max_bytes: int
) -> Path:
    """``GeneratedImage.download``: into ``path``, or as ``NN_<slug>.<ext>`` in a directory."""
    chosen = Path(os.fspath(path))

    def sink(ext: str) -> Sink:
        if not chosen.is_dir():
            return PartFile(chosen)
        slug = safe_slug(image.shot_slug or shot_slug(image.angle) or image.angle)
        return PartFile(chosen / f"{file_stem(image.position or 0, slug)}.{ext}")

    value = _one(
        image, client, max_bytes, Target(image.url, image.media_id, _label(image), sink)
    ).value
    assert isinstance(value, Path)
    return value


def download_status(
    status: JobStatus, client: Client | None, options: DownloadOptions
) -> DownloadReport:
    """``JobStatus.download``: ``client.jobs.download(status, dest, ...)``."""
    with _client_or_env(client) as chosen:
        return download_set(chosen, status, options)

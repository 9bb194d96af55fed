"""``client.jobs.download`` through both clients, against a scripted network: names, credentials,
redirects, hostile answers, retries with the client's policy, the D17 fallback, re-runs."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import charlib
from tests.client.media_world import (
    API,
    CDN,
    CHARACTER,
    FIXED_HOST,
    JOB,
    JPEG,
    POSITIONS,
    SHOTS,
    Stream,
    World,
    image,
    names,
    png,
    status,
)
from tests.client.support import AnyClient, FakeClock, resolve

MakeClient = Callable[..., AnyClient]
SAFE_NAME = re.compile(r"\d{2,}_[a-z0-9_]+\.(png|jpg)")


@pytest.fixture
def world() -> World:
    """The scripted network of one test."""
    return World()


@pytest.fixture
def client_of(make_client: MakeClient, world: World) -> Callable[..., AnyClient]:
    """A client of the current flavor on ``world``."""
    return lambda **options: make_client(world.handle, **options)


async def download(client: AnyClient, dest: Path, job: Any = JOB, **options: Any) -> Any:
    """``client.jobs.download`` for either flavor."""
    return await resolve(client.jobs.download(job, dest, **options))


def _four_images(world: World, base: str = CDN) -> None:
    """The job has four canonical shots, listed in reverse (as the live service runs them)."""
    images = []
    for tag, (slug, name) in enumerate(SHOTS):
        url = f"{base}/img/{slug}.png"
        world.serve(url, png(tag))
        images.append(image(url, slug, name, media_id=f"m{tag}"))
    world.job(status(list(reversed(images))))


async def test_files_are_named_by_canonical_position_and_slug(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """NN_<slug>.png in canonical order, bytes as served; manifest and contact sheet agree."""
    _four_images(world)
    report = await download(client_of(), tmp_path)
    expected = [f"{n:02d}_{slug}.png" for n, (slug, _) in zip(POSITIONS, SHOTS, strict=True)]
    assert [image.path.name for image in report.downloaded] == expected
    assert [image.position for image in report.downloaded] == POSITIONS
    for tag, saved in enumerate(report.downloaded):
        assert saved.path.read_bytes() == png(tag)
        assert saved.source == "result"
    assert report.ok
    assert report.files == [tmp_path / name for name in expected]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["job_id"] == JOB
    assert manifest["character_id"] == CHARACTER
    assert [entry["file"] for entry in manifest["images"]] == expected
    assert [entry["sha256"] for entry in manifest["images"]] == [
        i.sha256 for i in report.downloaded
    ]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert [m for m in re.findall(r'src="([^"]+)"', index)] == expected
    assert names(tmp_path, "*.part") == []


async def test_a_rerun_fetches_nothing_and_a_damaged_file_again(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Files the manifest vouches for are skipped without a request; an edited one is fetched."""
    _four_images(world)
    client = client_of()
    first = await download(client, tmp_path)
    media = len(world.to(CDN))
    again = await download(client, tmp_path)
    assert len(world.to(CDN)) == media
    assert [i.path for i in again.skipped] == [i.path for i in first.downloaded]
    assert again.downloaded == ()
    first.downloaded[1].path.write_bytes(b"edited")
    third = await download(client, tmp_path)
    assert [i.position for i in third.downloaded] == [POSITIONS[1]]
    assert first.downloaded[1].path.read_bytes() == png(1)
    forced = await download(client, tmp_path, overwrite=True)
    assert len(forced.downloaded) == 4


async def test_another_jobs_directory_is_refused_unless_overwrite(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """A dest holding another job's manifest is an error naming dest, before any fetch."""
    _four_images(world)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"manifest_version": 1, "job_id": "another", "images": []}), encoding="utf-8"
    )
    with pytest.raises(charlib.InvalidParameterError, match="another job") as info:
        await download(client_of(), tmp_path)
    assert info.value.field == "dest"
    assert world.to(CDN) == []
    assert len((await download(client_of(), tmp_path, overwrite=True)).downloaded) == 4


@pytest.mark.parametrize("state", ["pending", "processing"])
async def test_an_unfinished_job_is_an_error_naming_its_state(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path, state: str
) -> None:
    """Nothing is fetched or written for a job that has not finished."""
    world.job(status([], state=state))
    with pytest.raises(charlib.InvalidParameterError, match=f"is {state}"):
        await download(client_of(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


async def test_the_api_key_goes_only_to_the_api_origin(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Same scheme, host and port only, and never again once a redirect chain has left it."""
    plan = {
        "home": f"{API}/media/a.png",
        "cdn": f"{CDN}/a.png",
        "other-scheme": "http://charlib.test/media/a.png",
        "other-port": "https://charlib.test:8443/media/a.png",
        "home-to-cdn": f"{API}/media/away.png",
        "cdn-to-home": f"{CDN}/back.png",
    }
    for url in plan.values():
        world.serve(url)
    world.add(plan["home-to-cdn"], httpx.Response(302, headers={"location": f"{CDN}/landed.png"}))
    world.add(
        plan["cdn-to-home"], httpx.Response(307, headers={"location": f"{API}/media/back.png"})
    )
    world.serve(f"{CDN}/landed.png")
    world.serve(f"{API}/media/back.png")
    images = [image(url, None, f"shot {n}") for n, url in enumerate(plan.values())]
    world.job(status(images))
    report = await download(client_of(api_key="sk-secret"), tmp_path)
    assert len(report.downloaded) == len(plan)
    keyed = {str(r.url) for r in world.requests if "authorization" in r.headers}
    assert keyed == {f"{API}/api/v1/jobs/{JOB}/status", plan["home"], plan["home-to-cdn"]}
    assert all(r.headers.get("authorization") in (None, "Bearer sk-secret") for r in world.requests)


async def test_the_http_clients_own_auth_stays_off_other_origins(
    make_client: MakeClient, world: World, tmp_path: Path, flavor: str
) -> None:
    """An injected httpx client's auth reaches the API, never a media host."""
    _four_images(world)
    transport = httpx.MockTransport(world.handle)
    kind = httpx.Client if flavor == "sync" else httpx.AsyncClient
    async_ = flavor == "async"
    http = kind(transport=transport, auth=("user", "pass"))  # type: ignore[operator]
    client = (charlib.AsyncClient if async_ else charlib.Client)(base_url=API, http_client=http)
    await download(client, tmp_path)
    assert "authorization" in world.to(API)[0].headers
    assert all("authorization" not in r.headers for r in world.to(CDN))
    await resolve(http.aclose() if async_ else http.close())


async def test_redirects_stop_after_five_and_at_other_schemes(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Five hops are followed; a sixth, or a hop to file: or javascript:, fails that image."""
    for hop in range(12):
        world.add(f"{CDN}/hop{hop}", httpx.Response(302, headers={"location": f"/hop{hop + 1}"}))
    world.serve(f"{CDN}/hop5")  # five redirects from /hop0
    world.serve(f"{CDN}/hop12")  # six redirects from /hop6
    world.add(f"{CDN}/file", httpx.Response(301, headers={"location": "file:///etc/passwd"}))
    world.add(f"{CDN}/js", httpx.Response(302, headers={"location": "javascript:alert(1)"}))
    urls = [f"{CDN}/hop0", f"{CDN}/hop6", f"{CDN}/file", f"{CDN}/js"]
    world.job(status([image(url, None, f"shot {n}") for n, url in enumerate(urls)]))
    report = await download(client_of(), tmp_path)
    assert [saved.url for saved in report.downloaded] == [f"{CDN}/hop0"]
    failed = {f.url: str(f.error) for f in report.failed}
    assert "more than 5 redirects" in failed[f"{CDN}/hop6"]
    assert "not an http(s) URL" in failed[f"{CDN}/file"]
    assert "URL" in failed[f"{CDN}/js"]  # refused by httpx or by the flow, never requested
    assert all(r.url.scheme in ("http", "https") for r in world.requests)


HOSTILE = [
    "../../escaped",
    "..",
    "CON",
    "nul.txt",
    "a/b\\c:d",
    "\x1b[31mred\x07",
    "x" * 5000,
    "",
    "ünïcödé/../..",
    "/etc/passwd",
]


async def test_hostile_slugs_and_angles_stay_plain_files_inside_dest(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Whatever the server calls a shot, each file is NN_<letters digits _>.<ext> inside dest."""
    dest = tmp_path / "dest"
    images = []
    for n, text in enumerate(HOSTILE):
        url = f"{CDN}/h{n}"
        world.serve(url, png(n))
        images.append(image(url, text, text, media_id=f"m{n}"))
    world.job(status(images))
    report = await download(client_of(), dest)
    assert len(report.downloaded) == len(HOSTILE)
    saved_names = [saved.path.name for saved in report.downloaded]
    assert all(SAFE_NAME.fullmatch(name) for name in saved_names), saved_names
    assert all(len(name) < 100 for name in saved_names)
    assert len(set(saved_names)) == len(saved_names)
    assert all(saved.path.parent == dest for saved in report.downloaded)
    assert names(tmp_path) == ["dest"]
    assert [saved.position for saved in report.downloaded] == list(range(28, 28 + len(HOSTILE)))


async def test_not_an_image_and_too_large_fail_alone(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Each bad answer is a typed error for its image; the good ones are saved."""
    html = httpx.Response(200, content=b"<html>login</html>", headers={"content-type": "text/html"})
    disguised = httpx.Response(200, content=b"<html>" * 10, headers={"content-type": "image/png"})
    svg = httpx.Response(200, content=b"<svg/>", headers={"content-type": "image/svg+xml"})
    announced = httpx.Response(200, content=png(0), headers={"content-length": "99999999"})
    endless = httpx.Response(200, stream=Stream(PNG_CHUNK, 100))  # no length, keeps coming
    for name, answer in {"html": html, "disguised": disguised, "svg": svg}.items():
        world.add(f"{CDN}/{name}", answer)
    world.add(f"{CDN}/announced", announced)
    world.add(f"{CDN}/endless", endless)
    world.serve(f"{CDN}/good", png(1))
    world.serve(f"{CDN}/jpeg", JPEG, "application/octet-stream")
    slugs = ["html", "disguised", "svg", "announced", "endless", "good", "jpeg"]
    world.job(status([image(f"{CDN}/{n}", n, n) for n in slugs]))
    report = await download(client_of(), tmp_path, max_bytes=64 * 1024)
    kinds = {f.slug: type(f.error) for f in report.failed}
    assert kinds == {
        "html": charlib.NotAnImageError,
        "disguised": charlib.NotAnImageError,
        "svg": charlib.NotAnImageError,
        "announced": charlib.FileTooLargeError,
        "endless": charlib.FileTooLargeError,
    }
    assert {saved.path.name for saved in report.downloaded} == {"33_good.png", "34_jpeg.jpg"}
    assert names(tmp_path, "*.part") == []
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["slug"] for entry in manifest["failed_downloads"]} == set(kinds)
    assert not report.ok


PNG_CHUNK = b"\x89PNG\r\n\x1a\n" + bytes(16 * 1024)


async def test_transient_failures_are_retried_with_the_clients_policy(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path, clock: FakeClock
) -> None:
    """503 (Retry-After), a reset and a body cut short are retried; the sleeps are the policy's."""
    busy = httpx.Response(503, headers={"retry-after": "2"})
    world.add(f"{CDN}/busy", [busy, httpx.Response(200, content=png(0))])
    world.add(f"{CDN}/reset", [httpx.ReadError("reset"), httpx.Response(200, content=png(1))])
    short = httpx.Response(200, content=png(2)[:50], headers={"content-length": str(len(png(2)))})
    world.add(f"{CDN}/short", [short, httpx.Response(200, content=png(2))])
    world.add(f"{CDN}/down", httpx.Response(502))
    slugs = ["busy", "reset", "short", "down"]
    world.job(status([image(f"{CDN}/{n}", n, n) for n in slugs]))
    policy = charlib.RetryPolicy(max_retries=2, base_delay=1.0, jitter=0.0)
    report = await download(client_of(retry=policy), tmp_path, concurrency=1)
    assert [saved.slug for saved in report.downloaded] == ["busy", "reset", "short"]
    assert [saved.path.read_bytes() for saved in report.downloaded] == [png(0), png(1), png(2)]
    [down] = report.failed
    assert (down.slug, down.attempts, down.error.status_code) == ("down", 3, 502)
    assert clock.sleeps == [2.0, 1.0, 1.0, 1.0, 2.0]  # Retry-After, then backoff 1, 1, 1 and 2


@pytest.mark.parametrize(
    "broken",
    [
        httpx.Response(404, json={"error": "Not Found"}),
        httpx.Response(403, content=b"<Error>AccessDenied</Error>"),
        httpx.ConnectError("[Errno -2] Name or service not known"),
    ],
    ids=["404", "403", "unreachable"],
)
async def test_a_broken_result_url_is_resolved_through_the_gallery(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path, broken: Any
) -> None:
    """D17: the fixed-host URL fails; the character's gallery (GET once) gives the real file,
    populated (imageFile.url) or not (imageFile id beside the entry's url)."""
    gallery = [
        {"imageFile": {"id": "m0", "url": f"{CDN}/real0.png"}},
        {"imageFile": "m1", "url": "/media/real1.png"},  # relative: resolved against base_url
    ]
    world.add(
        f"{API}/api/v1/characters/{CHARACTER}",
        httpx.Response(200, json={"id": CHARACTER, "imageGallery": gallery}),
    )
    world.serve(f"{CDN}/real0.png", png(0))
    world.serve(f"{API}/media/real1.png", png(1))
    for media in ("m0", "m1"):
        world.add(f"{FIXED_HOST}{media}", broken)
    world.job(
        status(
            [
                image(f"{FIXED_HOST}{m}", None, n, media_id=m)
                for m, (_, n) in zip(("m0", "m1"), SHOTS, strict=False)
            ]
        )
    )
    report = await download(client_of(), tmp_path)
    assert [saved.source for saved in report.downloaded] == ["gallery", "gallery"]
    assert [saved.path.read_bytes() for saved in report.downloaded] == [png(0), png(1)]
    assert len(world.to(f"{API}/api/v1/characters/")) == 1
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["url"] for entry in manifest["images"]] == [
        f"{CDN}/real0.png",
        f"{API}/media/real1.png",
    ]
    assert [entry["result_url"] for entry in manifest["images"]] == [
        f"{FIXED_HOST}m0",
        f"{FIXED_HOST}m1",
    ]


async def test_the_character_is_found_through_the_job_list_when_the_status_omits_it(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """The live service's status has no characterId: the job list names it."""
    world.job(status([image(f"{FIXED_HOST}m0", None, SHOTS[0][1], media_id="m0")], character=None))
    listing = {
        "success": True,
        "jobs": [{"jobId": JOB, "characterId": CHARACTER, "status": "completed", "progress": {}}],
        "pagination": {"totalDocs": 1, "limit": 100, "page": 1, "totalPages": 1},
    }
    world.add(f"{API}/api/v1/jobs", httpx.Response(200, json=listing))
    gallery = [{"imageFile": {"id": "m0", "url": f"{CDN}/real0.png"}}]
    world.add(
        f"{API}/api/v1/characters/{CHARACTER}",
        httpx.Response(200, json={"id": CHARACTER, "imageGallery": gallery}),
    )
    world.serve(f"{CDN}/real0.png", png(0))
    report = await download(client_of(), tmp_path)
    assert [saved.source for saved in report.downloaded] == ["gallery"]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["character_id"] == CHARACTER


async def test_without_a_gallery_entry_the_first_error_is_reported(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """A 404 with nothing in the gallery fails that image with the 404."""
    world.add(f"{API}/api/v1/characters/{CHARACTER}", httpx.Response(200, json={"id": CHARACTER}))
    world.job(status([image(f"{FIXED_HOST}m0", None, SHOTS[0][1], media_id="m0")]))
    report = await download(client_of(), tmp_path)
    [failed] = report.failed
    assert failed.error.status_code == 404
    assert failed.attempts == 1


async def test_on_file_hears_every_outcome_and_arguments_are_checked(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """on_file gets each image once; bad arguments are refused before any request."""
    _four_images(world)
    heard: list[Any] = []
    await download(client_of(), tmp_path, on_file=heard.append)
    assert sorted(item.position for item in heard) == POSITIONS
    heard.clear()
    await download(client_of(), tmp_path, on_file=heard.append)
    assert [item.skipped for item in heard] == [True] * 4
    requests = len(world.requests)
    for bad in ({"concurrency": 0}, {"max_bytes": 0}, {"on_file": "x"}, {"overwrite": "yes"}):
        with pytest.raises(charlib.InvalidParameterError):
            await download(client_of(), tmp_path, **bad)
    with pytest.raises(charlib.InvalidParameterError, match="job"):
        await download(client_of(), tmp_path, job=42)
    assert len(world.requests) == requests


def test_status_and_image_helpers_use_the_given_client(world: World, tmp_path: Path) -> None:
    """JobStatus.download, GeneratedImage.read and .download (blocking helpers)."""
    _four_images(world)
    with charlib.Client(
        base_url=API, http_client=httpx.Client(transport=httpx.MockTransport(world.handle))
    ) as client:
        finished = client.jobs.get(JOB)
        before = len(world.requests)
        report = finished.download(tmp_path / "set", client=client)
        assert len(world.requests) == before + 4  # the snapshot was used as it is
        assert len(report.downloaded) == 4
        first = finished.results.generated_images[-1]  # type: ignore[union-attr]
        assert first.position == 1
        assert first.read(client=client) == png(0)
        saved = first.download(tmp_path, client=client)
        assert saved == tmp_path / "01_enhanced_35a_front_full_v2.png"
        named = first.download(tmp_path / "front.png", client=client)
        assert named.read_bytes() == png(0)
        world.add(
            first.url or "",
            httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"}),
        )
        with pytest.raises(charlib.NotAnImageError):
            first.read(client=client)
        with pytest.raises(charlib.FileTooLargeError):
            finished.results.generated_images[0].read(client=client, max_bytes=10)  # type: ignore[union-attr]


async def test_a_compressed_body_is_refused_before_it_is_decoded(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """identity is asked for; a gzip body (a bomb, here) is refused from its headers, unread."""
    bomb = gzip.compress(PNG_CHUNK + bytes(5_000_000))
    headers = {"content-encoding": "gzip", "content-type": "image/png"}
    world.add(f"{CDN}/bomb", httpx.Response(200, headers=headers, stream=Stream(bomb, 1)))
    world.serve(f"{CDN}/fine", png(0))
    world.job(status([image(f"{CDN}/bomb", "bomb", "bomb"), image(f"{CDN}/fine", "fine", "fine")]))
    report = await download(client_of(), tmp_path)
    [failed] = report.failed
    assert "gzip-encoded body" in str(failed.error)
    assert failed.attempts == 1
    assert [saved.slug for saved in report.downloaded] == ["fine"]
    assert all(r.headers["accept-encoding"] == "identity" for r in world.to(CDN))


async def test_an_unreachable_host_is_tried_once_per_run(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Once a host cannot be reached, the other images go to the gallery without trying it."""
    media = ["m0", "m1", "m2"]
    gallery = [{"imageFile": {"id": m, "url": f"{CDN}/{m}.png"}} for m in media]
    character = httpx.Response(200, json={"id": CHARACTER, "imageGallery": gallery})
    world.add(f"{API}/api/v1/characters/{CHARACTER}", character)
    for n, m in enumerate(media):
        world.add(f"{FIXED_HOST}{m}", httpx.ConnectError("[Errno -2] Name or service not known"))
        world.serve(f"{CDN}/{m}.png", png(n))
    names = [name for _, name in SHOTS[:3]]
    world.job(
        status(
            [
                image(f"{FIXED_HOST}{m}", None, n, media_id=m)
                for m, n in zip(media, names, strict=True)
            ]
        )
    )
    report = await download(client_of(), tmp_path, concurrency=1)
    assert len(report.downloaded) == 3
    assert len(world.to(FIXED_HOST)) == 1


async def test_files_of_many_pieces_are_saved_whole(
    client_of: Callable[..., AnyClient], world: World, tmp_path: Path
) -> None:
    """Bodies of several MiB in 16 KiB pieces (written in many flushes) are saved exactly, with
    the size and SHA-256 of what was sent, in the report and the manifest."""
    sent: dict[str, bytes] = {}
    images = []
    for tag, count in enumerate((1, 70, 200)):  # 16 KiB, ~1.1 MiB, ~3.2 MiB
        url = f"{CDN}/big{tag}"
        chunk = PNG_CHUNK[:-1] + bytes([tag])
        world.add(url, httpx.Response(200, stream=Stream(chunk, count)))
        sent[f"big{tag}"] = chunk * count
        images.append(image(url, f"big{tag}", f"big{tag}"))
    world.job(status(images))
    report = await download(client_of(), tmp_path, concurrency=2)
    assert len(report.downloaded) == 3
    for saved in report.downloaded:
        body = sent[saved.slug]
        assert saved.path.read_bytes() == body
        assert (saved.size, saved.sha256) == (len(body), hashlib.sha256(body).hexdigest())
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(entry["size"] for entry in manifest["images"]) == sorted(map(len, sent.values()))
    assert names(tmp_path, "*.part") == []


class _Stalls(httpx.AsyncByteStream):
    """A body that sends some pieces, then never ends (until cancelled)."""

    def __init__(self, chunk: bytes, count: int) -> None:
        self.chunk, self.count = chunk, count

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            yield self.chunk
        await asyncio.sleep(3600)


async def test_a_cancelled_async_download_leaves_no_half_file(tmp_path: Path) -> None:
    """Cancelling the task while files are being written leaves no ``.part`` file, and every
    file saved is whole and in the manifest, so the next call resumes from it."""
    world = World()
    finished = []
    for tag in range(3):
        url = f"{CDN}/done{tag}"
        world.serve(url, png(tag) * 4000)
        finished.append(image(url, f"done{tag}", f"done{tag}"))
    stalled = []
    for tag in range(3):
        url = f"{CDN}/stall{tag}"
        world.add(url, lambda request: httpx.Response(200, stream=_Stalls(PNG_CHUNK, 100)))
        stalled.append(image(url, f"stall{tag}", f"stall{tag}"))
    world.job(status(finished + stalled))
    saved = asyncio.Event()
    heard: list[Any] = []

    def on_file(item: Any) -> None:
        heard.append(item)
        if len(heard) == 3:
            saved.set()

    http = httpx.AsyncClient(transport=httpx.MockTransport(world.handle))
    async with charlib.AsyncClient(base_url=API, http_client=http) as client:
        task = asyncio.ensure_future(
            client.jobs.download(JOB, tmp_path, concurrency=6, on_file=on_file)
        )
        await asyncio.wait_for(saved.wait(), timeout=30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await http.aclose()
    assert names(tmp_path, "*.part") == []
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["file"]: entry for entry in manifest["images"]}
    on_disk = set(names(tmp_path, "*_done*")) | set(names(tmp_path, "*_stall*"))
    assert set(listed) == on_disk
    assert len(on_disk) == 3
    for name, entry in listed.items():
        data = (tmp_path / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])

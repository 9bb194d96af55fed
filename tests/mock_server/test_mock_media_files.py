"""Media files served as an object store would: headers, HEAD, ETag, padded sizes, media faults."""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import NoReturn

import httpx
import pytest

from mock_server import MockApp, RunningServer, ScaledClock, StoreUnavailable, serve
from mock_server import __main__ as mock_main
from mock_server.media import MAX_MEDIA_SIZE, PNG_SIGNATURE, media_file

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


def _chunks(data: bytes) -> list[tuple[bytes, int, bool]]:
    """The PNG's chunks: type, data length, and whether the CRC is right."""
    assert data.startswith(PNG_SIGNATURE)
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        crc = int.from_bytes(data[at + 8 + length : at + 12 + length], "big")
        chunks.append((kind, length, crc == zlib.crc32(kind + body)))
        at += 12 + length
    return chunks


async def _image_url(app: MockApp, client: httpx.AsyncClient, character: Char, start: Start) -> str:
    job = await start(
        client, await character(client), {"imageCount": 2}, **{"X-Mock-Scenario": "success"}
    )
    app.mock.finish(job)
    status = (await client.get(f"/api/v1/jobs/{job}/status")).json()
    return str(status["results"]["generatedImages"][0]["url"])


async def test_get_and_head_send_type_length_and_etag(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """GET and HEAD agree on Content-Type, Content-Length and ETag; HEAD sends no body."""
    url = await _image_url(app, client, character, start_job)
    got = await client.get(url)
    head = await client.head(url)
    assert got.status_code == head.status_code == 200
    for name in ("content-type", "content-length", "etag"):
        assert got.headers[name] == head.headers[name], name
    assert got.headers["content-type"] == "image/png"
    assert int(got.headers["content-length"]) == len(got.content)
    assert head.content == b""
    assert got.headers["etag"][0] == got.headers["etag"][-1] == '"'  # a strong ETag


async def test_a_matching_if_none_match_is_304(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """The current ETag (or *) gets 304 without a body; another one gets the image."""
    url = await _image_url(app, client, character, start_job)
    etag = (await client.head(url)).headers["etag"]
    for given in (etag, f'W/{etag}, "other"', "*"):
        response = await client.get(url, headers={"If-None-Match": given})
        assert response.status_code == 304, given
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert (await client.get(url, headers={"If-None-Match": '"other"'})).status_code == 200


async def test_head_of_unknown_media_is_an_empty_404(client: httpx.AsyncClient) -> None:
    """HEAD answers like GET without a body."""
    response = await client.head("/media/ffffffffffffffffffffffff.png")
    assert response.status_code == 404
    assert response.content == b""


async def test_media_size_pads_every_image_into_a_valid_png(
    make_app: Callable[..., MockApp], character: Char, start_job: Start
) -> None:
    """create_app(media_size=N): each image is exactly N bytes, a PNG whose chunks all check."""
    app = make_app(media_size=300_000)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        url = await _image_url(app, client, character, start_job)
        response = await client.get(url)
    assert len(response.content) == 300_000 == int(response.headers["content-length"])
    chunks = _chunks(response.content)
    assert [kind for kind, _, _ in chunks] == [b"IHDR", b"tEXt", b"IDAT", b"paDd", b"IEND"]
    assert all(ok for _, _, ok in chunks)


def test_a_size_below_the_image_leaves_it_as_it_is() -> None:
    """Padding only grows a file; the ETag names the size served."""
    small = media_file("key", 10)
    assert small.padding == 0
    assert b"".join(small.chunks()) == small.head
    assert small.etag.endswith(f'-{small.size}"')
    assert media_file("key", 5000).etag != small.etag


@pytest.mark.parametrize("size", [-1, MAX_MEDIA_SIZE + 1, 1.5, True, "10"])
def test_bad_media_sizes_are_refused(make_app: Callable[..., MockApp], size: object) -> None:
    """media_size must be an integer from 0 to MAX_MEDIA_SIZE."""
    with pytest.raises(ValueError, match="media_size"):
        make_app(media_size=size)


async def test_expired_is_a_403_with_an_xml_body(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """expired: the object store's answer to a stale signed link, not JSON; journalled."""
    url = await _image_url(app, client, character, start_job)
    app.mock.set_faults(kinds=["expired"], path_prefix="/media/")
    response = await client.get(url)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/xml"
    assert b"<Code>AccessDenied</Code>" in response.content
    assert app.mock.requests()[-1]["fault"] == "expired"
    assert (await client.get("/api/v1/jobs")).status_code == 200  # the API is not under /media/
    assert app.mock.stats()["requests"]["errors"] == 1  # the 403 it injected counts as one


async def test_truncated_in_process_ends_the_body_early(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """truncated: Content-Length announces the whole file, half of it arrives."""
    url = await _image_url(app, client, character, start_job)
    app.mock.set_faults(kinds=["truncated"], path_prefix="/media/")
    response = await client.get(url)
    announced = int(response.headers["content-length"])
    assert response.status_code == 200
    assert len(response.content) == announced // 2
    assert app.mock.requests()[-1]["fault"] == "truncated"
    assert app.mock.stats()["requests"]["errors"] == 1  # a 200 that was spoilt counts as one


@pytest.fixture(scope="module")
def padded_server() -> Iterator[RunningServer]:
    """A mock on a socket whose images are 2 MB each."""
    with serve(clock=ScaledClock(5000), media_size=2_000_000) as server:
        yield server


def _finished_image_url(server: RunningServer) -> str:
    with httpx.Client(base_url=server.url) as http:
        char_id = http.post("/api/v1/characters", json={"name": "Ada"}).json()["id"]
        http.post(f"/api/v1/characters/{char_id}/generate-initial-image", json={"prompt": "p"})
        started = http.post(
            f"/api/v1/characters/{char_id}/generate-360-set",
            json={"imageCount": 1},
            headers={"X-Mock-Scenario": "success"},
        )
        job = started.json()["jobId"]
    server.mock.finish(job)
    status = server.mock.job(job, server.url)
    assert status is not None
    return str(status["results"]["generatedImages"][0]["url"])


def test_over_a_socket_truncated_closes_after_half_and_reset_drops(
    padded_server: RunningServer,
) -> None:
    """On uvicorn, truncated sends half the announced bytes then closes; reset drops at once;
    latency and 503 apply to media too; a clean GET streams the whole 2 MB."""
    url = _finished_image_url(padded_server)
    mock = padded_server.mock
    with httpx.Client() as http:
        assert len(http.get(url).content) == 2_000_000
        mock.set_faults(kinds=["truncated"], path_prefix="/media/")
        with pytest.raises(httpx.RemoteProtocolError, match="received 1000000 bytes"):
            http.get(url)
        mock.set_faults(kinds=["reset"], path_prefix="/media/")
        with pytest.raises(httpx.TransportError):
            http.get(url)
        mock.set_faults(kinds=["503"], path_prefix="/media/")
        assert http.get(url).status_code == 503
        mock.set_faults(kinds=["latency"], latency=0.01, path_prefix="/media/")
        assert http.get(url).status_code == 200
        mock.clear_faults()
    faults = [entry.get("fault") for entry in mock.requests()[-4:]]
    assert faults == ["truncated", "reset", "503", "latency"]


def test_the_command_line_passes_media_size_to_the_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--media-size BYTES`` reaches create_app(media_size=BYTES); a bad size is a usage error."""
    seen: dict[str, object] = {}

    def fake_create_app(**options: object) -> NoReturn:
        seen.update(options)
        raise StoreUnavailable("stop here")

    monkeypatch.setattr(mock_main, "create_app", fake_create_app)
    assert mock_main.main(["--port", "0", "--media-size", "20000000"]) == 1
    assert seen["media_size"] == 20_000_000
    assert mock_main.build_parser().parse_args([]).media_size == 0
    for bad in ("-1", "x", str(MAX_MEDIA_SIZE + 1)):
        with pytest.raises(SystemExit) as info:
            mock_main.build_parser().parse_args(["--media-size", bad])
        assert info.value.code == 2
    capsys.readouterr()

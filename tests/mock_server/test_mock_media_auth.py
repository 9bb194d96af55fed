"""Media bytes and path safety; bearer-token auth."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from mock_server import MockApp
from mock_server.media import PNG_SIGNATURE, parse_media_path, png_bytes

Char = Callable[..., Awaitable[str]]
Start = Callable[..., Awaitable[str]]


async def test_result_images_are_real_distinct_pngs(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """Every result URL is served by the mock as a PNG, distinct per shot."""
    job = await start_job(
        client, await character(client), {"imageCount": 6}, **{"X-Mock-Scenario": "success"}
    )
    app.mock.finish(job)
    status = (await client.get(f"/api/v1/jobs/{job}/status")).json()
    urls = [i["url"] for i in status["results"]["generatedImages"]]
    assert all(u.startswith("http://mock.test/media/jobs/") for u in urls)
    bodies = []
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(PNG_SIGNATURE)
        bodies.append(response.content)
    assert len(set(bodies)) == 6


async def test_images_of_unfinished_or_failed_shots_are_404(
    app: MockApp, client: httpx.AsyncClient, character: Char, start_job: Start
) -> None:
    """Before the job is done, or for a shot that failed, there is no image."""
    job = await start_job(client, await character(client), {"imageCount": 2})
    url = f"/media/jobs/{job}/enhanced_35a_front_full_v2.png"
    assert (await client.get(url)).status_code == 404
    app.mock.finish(job)
    assert (await client.get(f"/media/jobs/{job}/enhanced_85e_front_mcu_v2.png")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/jobs/../../x.png",
        "/media/ffffffffffffffffffffffff.png",
        "/media/ffffffffffffffffffffffff.PNG",
        "/media/x",
        "/media/jobs/00000000-0000-4000-8000-000000000000/enhanced_35a_front_full_v2.png",
        "/media/%66fffffffffffffffffffffff.png",
    ],
)
async def test_unknown_or_malicious_media_paths_are_404(
    client: httpx.AsyncClient, path: str
) -> None:
    """Traversal, encoded characters and unknown ids are plain 404s."""
    response = await client.get(path)
    assert response.status_code == 404


def test_png_is_well_formed() -> None:
    """The PNG has a signature, IHDR with the requested size, and ends with IEND."""
    data = png_bytes("key", 16, 8)
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    assert int.from_bytes(data[16:20], "big") == 16
    assert int.from_bytes(data[20:24], "big") == 8
    assert data.endswith(b"IEND\xaeB`\x82")
    assert png_bytes("other", 16, 8) != data
    assert parse_media_path("/media/jobs/x/../y.png") is None


@pytest.fixture
def secured(make_app: Callable[..., MockApp]) -> MockApp:
    """An app that requires a bearer token."""
    return make_app(api_key="s3cret-key")


async def test_auth_required_except_health(secured: MockApp) -> None:
    """With an API key, API and admin routes need the bearer token; health stays open."""
    transport = httpx.ASGITransport(app=secured)
    async with httpx.AsyncClient(transport=transport, base_url="http://a") as anonymous:
        assert (await anonymous.get("/api/health")).status_code == 200
        for method, path in (
            ("GET", "/api/v1/jobs"),
            ("POST", "/_mock/reset"),
            ("GET", "/api/v1/characters"),
            ("GET", "/_mock/stats"),
        ):
            response = await anonymous.request(method, path)
            assert response.status_code == 401
            assert response.json()["success"] is False
            assert "s3cret" not in response.text
            assert response.headers["www-authenticate"].startswith("Bearer")
        wrong = await anonymous.get("/api/v1/jobs", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
    headers = {"Authorization": "Bearer s3cret-key"}
    async with httpx.AsyncClient(transport=transport, base_url="http://a", headers=headers) as c:
        assert (await c.get("/api/v1/jobs")).status_code == 200
        assert (await c.get("/_mock/clock")).status_code == 200
        journal = (await c.get("/_mock/requests")).text
        assert "s3cret" not in journal
        document = (await c.get("/openapi.json")).json()
        assert "bearer" in document["components"]["securitySchemes"]

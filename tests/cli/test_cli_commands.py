"""Every API command against a real mock server on loopback, in human and ``--json`` form."""

from __future__ import annotations

import json

import pytest

from mock_server import RunningServer
from tests.cli.conftest import Run


def _start(api: Run, character_id: str, *options: str) -> str:
    result = api("generate-360", character_id, "--json", *options)
    assert result.code == 0, result.err
    job_id: str = json.loads(result.out)["jobId"]
    return job_id


def test_generate_360_starts_a_job(api: Run, character_id: str) -> None:
    """Without --wait stdout is the job's id alone (for JOB=$(...)), stderr says it started and
    how to follow it, and the id works with the other commands; exit 0."""
    result = api("generate-360", character_id, "--image-count", "3")
    assert result.code == 0
    job_id = result.out.strip()
    assert result.out == f"{job_id}\n"
    assert f"started job {job_id}" in result.err
    assert f"charlib jobs wait {job_id}" in result.err
    status = api("jobs", "status", job_id, "--json")
    assert json.loads(status.out)["jobId"] == job_id


def test_generate_360_sends_the_options(api: Run, character_id: str, server: RunningServer) -> None:
    """Every generation option reaches the server, camelCase."""
    job_id = _start(
        api,
        character_id,
        "--image-count",
        "4",
        "--quality-threshold",
        "80",
        "--max-retries",
        "2",
        "--style",
        "cinematic",
        "--custom-seed",
        "0",
        "--angle",
        "front",
        "--angle",
        "back",
    )
    status = api("jobs", "status", job_id, "--json")
    assert json.loads(status.out)["progress"]["total"] == 4
    posts = [r for r in server.mock.requests() if r["path"].endswith("/generate-360-set")]
    assert posts


def test_generate_360_wait_json(api: Run, character_id: str) -> None:
    """``--wait --json`` prints the finished job as one document and exits 0."""
    result = api("generate-360", character_id, "--image-count", "3", "--wait", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["status"] == "completed"
    assert len(document["results"]["generatedImages"]) == 3


def test_generate_360_wait_prints_the_table(api: Run, character_id: str) -> None:
    """``--wait`` prints a results table and the outcome line."""
    result = api("generate-360", character_id, "--image-count", "2", "--wait", "--poll", "0.05")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].startswith("started job")
    assert lines[1].split() == ["#", "shot", "quality", "result"]
    assert lines[-1] == "completed: 2 images"


def test_jobs_list_table_and_json(api: Run, character_id: str) -> None:
    """``jobs list`` shows the character's jobs as a table, and as the page with --json."""
    job_id = _start(api, character_id, "--image-count", "1")
    table = api("jobs", "list", "--character-id", character_id)
    assert table.code == 0
    assert table.out.splitlines()[0].split() == [
        "job",
        "status",
        "progress",
        "character",
        "created",
    ]
    assert job_id in table.out
    assert table.out.splitlines()[-1].startswith("page 1 of 1 (1 jobs)")
    page = json.loads(api("jobs", "list", "--character-id", character_id, "--json").out)
    assert [job["jobId"] for job in page["jobs"]] == [job_id]
    assert page["pagination"]["totalDocs"] == 1


def test_jobs_list_by_a_slug_says_the_filter_takes_the_id(api: Run, character_id: str) -> None:
    """``--character-id ada-lovelace`` (the slug) finds no jobs, and says the filter takes the
    24-hex id and how to find it; the id itself gets no such note."""
    slugged = api("jobs", "list", "--character-id", "ada-lovelace")
    assert slugged.code == 0
    assert "(0 jobs)" in slugged.out
    assert "takes the character's id" in slugged.err
    assert "charlib characters list --search ada-lovelace" in slugged.err
    assert "takes the character's id" not in api("jobs", "list", "--character-id", character_id).err


@pytest.mark.parametrize(
    "argv",
    [
        ("generate-360", "grace-hopper"),
        ("characters", "initial-image", "grace-hopper", "--prompt", "p"),
    ],
)
def test_a_slug_for_an_id_gets_the_command_that_finds_the_id(
    api: Run, argv: tuple[str, ...]
) -> None:
    """A characterId slug where the id goes is refused (exit 4) with the ``charlib characters
    list --search`` command to find the id, not the SDK's Python call."""
    result = api(*argv)
    assert result.code == 4
    assert result.out == ""
    assert "not its characterId" in result.err
    assert "find the id with: charlib characters list --search grace-hopper" in result.err
    assert "characters.find(" not in result.err


def test_jobs_list_all_walks_every_page(api: Run, character_id: str) -> None:
    """``--all --limit 1`` fetches every page and prints {"jobs": [...]} with --json."""
    first = _start(api, character_id, "--image-count", "1")
    second = _start(api, character_id, "--image-count", "1")
    result = api("jobs", "list", "--character-id", character_id, "--all", "--limit", "1", "--json")
    assert result.code == 0
    assert {job["jobId"] for job in json.loads(result.out)["jobs"]} == {first, second}
    human = api("jobs", "list", "--character-id", character_id, "--all", "--limit", "1")
    assert human.out.splitlines()[-1] == "2 jobs"


def test_jobs_list_filters(api: Run, character_id: str) -> None:
    """``--status`` and ``--job-type`` filter the list."""
    _start(api, character_id, "--image-count", "1")
    none = api("jobs", "list", "--character-id", character_id, "--status", "cancelled", "--json")
    assert json.loads(none.out)["jobs"] == []
    some = api("jobs", "list", "--character-id", character_id, "--job-type", "360-set", "--json")
    assert len(json.loads(some.out)["jobs"]) == 1


def test_jobs_status_and_wait(api: Run, character_id: str) -> None:
    """``jobs status`` shows the job; ``jobs wait`` follows it to completion (exit 0)."""
    job_id = _start(api, character_id, "--image-count", "2")
    status = api("jobs", "status", job_id)
    assert status.code == 0
    assert status.out.splitlines()[0] == f"job        {job_id}"
    assert f"character  {character_id}" in status.out
    waited = api("jobs", "wait", job_id, "--poll", "0.05")
    assert waited.code == 0
    assert waited.out.splitlines()[-1] == "completed: 2 images"
    final = api("jobs", "status", job_id)
    assert "status     completed" in final.out
    assert "35mm FRONT FULL (Enhanced)" in final.out
    document = json.loads(api("jobs", "wait", job_id, "--json").out)
    assert document["jobId"] == job_id


def test_characters_create_and_list(api: Run) -> None:
    """``characters create`` with fields and a prompt, then ``characters list --search``."""
    result = api(
        "characters",
        "create",
        "Katherine Johnson",
        "--field",
        "eye_color=brown",
        "--field",
        "age:=42",
        "--prompt",
        "portrait of Katherine",
        "--json",
    )
    assert result.code == 0, result.err
    character = json.loads(result.out)
    assert character["eyeColor"] == "brown"
    assert character["age"] == 42
    assert character["masterReferenceImage"]["dinoAssetId"]
    listing = api("characters", "list", "--search", "katherine")
    assert listing.code == 0
    assert character["id"] in listing.out
    assert listing.out.splitlines()[0].split() == [
        "id",
        "name",
        "slug",
        "status",
        "reference",
        "created",
    ]
    page = json.loads(api("characters", "list", "--search", "katherine", "--json").out)
    assert [doc["id"] for doc in page["docs"]] == [character["id"]]


def test_characters_create_then_initial_image(api: Run) -> None:
    """Without --prompt the command says how to add the reference; initial-image adds it."""
    created = api("characters", "create", "Dorothy Vaughan")
    assert created.code == 0
    character_id = created.out.split("(id ")[1].rstrip(")\n")
    assert f"charlib characters initial-image {character_id}" in created.err
    refused = api("generate-360", character_id)
    assert refused.code == 4
    assert f"charlib characters initial-image {character_id} --prompt" in refused.err
    made = api("characters", "initial-image", character_id, "--prompt", "portrait of Dorothy")
    assert made.code == 0
    assert made.out.startswith(f"master reference image of {character_id}: http")
    assert api("generate-360", character_id, "--image-count", "1").code == 0


def test_json_of_cancel_and_initial_image(api: Run, slow_api: Run, slow_job: str) -> None:
    """``jobs cancel --json`` and ``characters initial-image --json`` print the server's answer."""
    cancelled = slow_api("jobs", "cancel", slow_job, "--json")
    assert cancelled.code == 0
    assert json.loads(cancelled.out)["success"] is True
    created = json.loads(api("characters", "create", "Mary Jackson", "--json").out)
    made = api("characters", "initial-image", created["id"], "--prompt", "portrait", "--json")
    assert made.code == 0
    assert json.loads(made.out)["data"]["publicUrl"].startswith("http")

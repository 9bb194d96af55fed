"""A batch under attack: hostile cast files, a damaged or foreign ledger, a batch directory that
is not one, a character folder that links elsewhere, a job list that lies, a service that fails
every call. Each ends in a typed error naming the line, field or file (one line from the
command, no traceback), or in a row left for a later run; nothing is written outside DIR."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import charlib
from charlib._batch_ledger import Ledger
from charlib.batch import (
    LEDGER_NAME,
    Batch,
    BatchDirectoryError,
    CastError,
    load_cast,
    parse_cast,
    read_status,
)
from charlib.cli import main
from charlib.testing import MOCK_BASE_URL, InProcessTransport, VirtualClock, in_process_client
from mock_server import ManualClock, create_app
from tests.batch.test_batch_run import Interrupt


def test_bom_crlf_and_a_huge_line_are_handled(tmp_path: Path) -> None:
    """A byte order mark and CRLF are read as text; a 10 MB line is refused with its line."""
    assert [row.key for row in parse_cast("\ufeffname,prompt\r\nAda,x\r\n")] == ["ada"]
    huge = tmp_path / "cast.csv"
    huge.write_text("name,prompt\nAda,x\nBob," + "x" * 10_000_000 + "\n")
    with pytest.raises(CastError, match=r"cast\.csv, line 3: cast: is not valid CSV"):
        load_cast(huge)


def test_a_column_name_with_a_nul_byte_is_shown_escaped() -> None:
    """An unknown column's name is shown escaped, not raw, in the message."""
    with pytest.raises(CastError) as caught:
        parse_cast("na\x00me\nAda\n", jsonl=False)
    assert "\x00" not in str(caught.value)
    assert "'na\\x00me': unknown column" in str(caught.value)


@pytest.fixture
def client() -> Iterator[charlib.Client]:
    with in_process_client(create_app(clock=ManualClock(), capacity=50)) as client:
        yield client


CAST = parse_cast("name,prompt,image_count\nAda,portrait,1\n")


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_text("not a database"), "not a usable batch ledger"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000), "not a usable"),
        (_foreign, "another program's database"),
        (lambda p: p.mkdir(), "not a regular file"),
    ],
    ids=["text", "damaged", "foreign", "directory"],
)
def test_a_ledger_that_is_not_one_is_refused_before_anything_is_sent(
    client: charlib.Client, tmp_path: Path, make: Any, words: str
) -> None:
    """A text file, a damaged SQLite file, another program's database or a directory where the
    ledger should be: BatchDirectoryError naming it, nothing created on the service."""
    make(tmp_path / LEDGER_NAME)
    with pytest.raises(BatchDirectoryError, match=words) as caught:
        Batch(client, tmp_path).run(CAST)
    assert caught.value.path == tmp_path / LEDGER_NAME
    with pytest.raises(BatchDirectoryError, match=words):
        read_status(tmp_path)
    assert client.characters.list().total_docs == 0
    if make is _foreign:
        with sqlite3.connect(tmp_path / LEDGER_NAME) as db:
            tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master")]
        assert tables == ["users"]  # not written to


def test_the_command_prints_one_line_for_a_bad_ledger_or_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`batch run` into a file, and `batch status` of a damaged ledger: exit 2, one error line
    naming the path, no traceback."""
    cast = tmp_path / "cast.csv"
    cast.write_text("name,prompt\nAda,x\n")
    not_a_dir = tmp_path / "sets"
    not_a_dir.write_text("a file")
    base = ["--base-url", "http://127.0.0.1:9"]
    assert main([*base, "batch", "run", str(cast), "--out", str(not_a_dir)]) == 2
    assert capsys.readouterr().err == f"error: out: {not_a_dir}: is not a directory\n"
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / LEDGER_NAME).write_text("garbage")
    assert main(["batch", "status", str(damaged)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: out: {damaged / LEDGER_NAME}: is not a usable batch ledger")
    assert "Traceback" not in err


def test_a_key_differing_only_by_case_from_the_ledger_is_refused(
    client: charlib.Client, tmp_path: Path
) -> None:
    """A second cast whose character_id is an existing one in other case (the same folder where
    case is ignored) is a CastError naming its line; the ledger keeps one row."""
    Batch(client, tmp_path).run(parse_cast("name,character_id,prompt,image_count\nA,ada,p,1\n"))
    other = parse_cast("name,character_id\nBob,bob\nAda,ADA\n")
    with pytest.raises(CastError, match="line 3: character_id: character 'ADA' is already in"):
        Batch(client, tmp_path).run(other)
    assert [record.character_id for record in read_status(tmp_path).records] == ["ada"]


def test_a_character_folder_that_links_elsewhere_is_not_written_through(
    client: charlib.Client, tmp_path: Path
) -> None:
    """DIR/<characterId> as a symlink to another folder, report.csv's part file and index.html
    as symlinks to files there: nothing is written there, the row is left unfinished with an
    error naming the folder."""
    out, elsewhere = tmp_path / "sets", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "page.html").write_text("mine")
    (out / "ada").symlink_to(elsewhere, target_is_directory=True)
    (out / "report.csv.part").symlink_to(elsewhere / "stolen.csv")
    (out / "index.html").symlink_to(elsewhere / "page.html")
    result = Batch(client, out).run(CAST)
    assert not result.ok
    [record] = result.records
    assert record.outcome is None
    assert f"{out / 'ada'}: is a link" in (record.error or "")
    assert sorted(path.name for path in elsewhere.iterdir()) == ["page.html"]
    assert (elsewhere / "page.html").read_text() == "mine"
    assert not result.index_html.is_symlink()


class _LyingList:
    """A request hook that drops the character filter from job listings (every job listed)."""

    def __call__(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/jobs"):
            request.url = request.url.copy_remove_param("characterId")


@pytest.mark.parametrize("mode", ["reference", "upstream"])
def test_a_job_list_that_lies_does_not_make_a_character_adopt_another_s_job(
    tmp_path: Path, mode: str
) -> None:
    """The listing ignores its character filter; a run stopped after the first of two job
    starts resumes with each character on its own job."""
    app = create_app(clock=ManualClock(), mode=mode, capacity=50)
    transport = InProcessTransport(app)
    hooks = {"request": [_LyingList()], "response": [Interrupt()]}
    http = httpx.Client(transport=transport, event_hooks=hooks)
    cast = parse_cast("name,prompt,image_count\nAda,p,1\nBob,p,1\n")
    try:
        with charlib.Client(
            base_url=MOCK_BASE_URL, http_client=http, clock=VirtualClock(app.mock.advance)
        ) as client:
            with pytest.raises(KeyboardInterrupt):
                Batch(client, tmp_path, max_active=2).run(cast)
            result = Batch(client, tmp_path, max_active=2).run(cast)
            owners = {job.job_id: job.character_id for job in client.jobs.list_all()}
            oids = {c.character_id: c.id for c in client.characters.list(limit=10).docs}
    finally:
        http.close()
        transport.close()
    assert result.ok
    assert len({record.job_id for record in result.records}) == 2
    for record in result.records:
        assert owners[record.job_id] == oids[record.character_id]


def test_a_service_that_fails_every_call_leaves_the_rows_for_a_later_run(tmp_path: Path) -> None:
    """500 on every call: the run ends (bounded), every row unfinished with the error, not ok."""
    app = create_app(clock=ManualClock())
    app.mock.set_faults(rate=1.0, kinds=["500"])
    with in_process_client(app) as client:
        result = Batch(client, tmp_path).run(parse_cast("name,prompt\nAda,p\nBob,p\n"))
    assert not result.ok
    assert [record.outcome for record in result.records] == [None, None]
    assert all("500" in (record.error or "") for record in result.records)
    assert result.report_csv.is_file()


def _open_at_once(folders: list[str], start: Any, results: Any) -> None:
    """In a process: open each new ledger at the same instant as the others, add the cast and
    claim every row it can; report the keys claimed (or the error)."""
    rows = parse_cast("name\n" + "".join(f"c{i}\n" for i in range(10)))
    ledgers, claimed = [], []
    try:
        for folder in folders:
            start.wait()
            ledger = Ledger(Path(folder) / LEDGER_NAME)
            ledgers.append(ledger)
            ledger.add_cast(rows)
            while (row := ledger.claim()) is not None:
                claimed.append(f"{folder}/{row.key}")
        results.put(claimed)
        start.wait()  # every process alive until all have claimed: no row is a dead owner's
    except Exception as error:  # a broken barrier too: one process failed, the others stop
        results.put(f"{type(error).__name__}: {error}")
        start.abort()
    for ledger in ledgers:
        ledger.close()


def test_processes_started_at_the_same_instant_share_a_new_ledger(tmp_path: Path) -> None:
    """Six processes open each of sixteen new ledgers at the same instant: none fails (SQLite's
    immediate "locked" while another switches the file to WAL is waited out), and every row is
    claimed by exactly one of them."""
    context = multiprocessing.get_context("spawn")
    folders = [str(tmp_path / f"b{i}") for i in range(16)]
    for folder in folders:
        Path(folder).mkdir()
    start, results = context.Barrier(6), context.Queue()
    processes = [
        context.Process(target=_open_at_once, args=(folders, start, results)) for _ in range(6)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    claimed = [key for outcome in outcomes for key in outcome]
    assert len(claimed) == len(set(claimed)) == 16 * 10


class _HostileErrors(InProcessTransport):
    """The mock, with every job's error text carrying a terminal escape (OSC 52: write the
    clipboard), markup and a formula."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        body = response.read()
        hostile = b'"error": "=1+1 \\u001b]52;c;ZXZpbA==\\u0007<b>x</b> ' if body else b""
        if hostile:
            body = body.replace(b'"error":"', hostile).replace(b'"error": "', hostile)
        headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body)


def test_server_error_text_is_inert_in_the_report_the_page_and_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed job's error with an escape sequence, markup and a formula: report.csv and the
    status table carry no control character, the page no markup, the CSV cell no formula."""
    app = create_app(clock=ManualClock())
    app.mock.set_scenario("fail")
    transport = _HostileErrors(app)
    http = httpx.Client(transport=transport)
    try:
        with charlib.Client(
            base_url=MOCK_BASE_URL, http_client=http, clock=VirtualClock(app.mock.advance)
        ) as client:
            result = Batch(client, tmp_path, retry_failed=0).run(CAST)
    finally:
        http.close()
        transport.close()
    [record] = result.records
    assert record.outcome == "failed"
    assert "\x1b" in (record.error or "")  # kept as the service sent it, in the ledger
    report = result.report_csv.read_text(encoding="utf-8")
    assert "\x1b" not in report
    assert "\x07" not in report
    assert "<b>x</b>" not in result.index_html.read_text()
    assert main(["batch", "status", str(tmp_path)]) == 0
    assert "\x1b" not in capsys.readouterr().out

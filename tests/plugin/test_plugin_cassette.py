"""The marker's ``cassette=`` option: a test's jobs replay a recorded job, wherever they start."""

from __future__ import annotations

import json

import pytest

from tests.mock_server.cassette_kit import small

RUN = ("-p", "no:cacheprovider")


def test_jobs_replay_the_cassette(pytester: pytest.Pytester) -> None:
    """With cassette='tapes/ada.json' (beside the test file) every job follows the recording,
    in-process and over HTTP, in both modes."""
    pytester.mkdir("tapes")
    (pytester.path / "tapes" / "ada.json").write_text(json.dumps(small()), encoding="utf-8")
    pytester.makepyfile(
        """
        import charlib
        import pytest

        def start(client):
            character = client.characters.create(name="Ada")
            client.characters.generate_initial_image(character.id, prompt="portrait")
            return client.characters.generate_360_set(character.id)

        @pytest.mark.charlib(cassette="tapes/ada.json")
        def test_in_process(charlib_client, charlib_mock):
            assert charlib_mock.scenario == "cassette:ada"
            seen = [s.progress.current_task for s in start(charlib_client).watch(poll=1)]
            assert seen[-1] == "Completed"
            assert "Generating 35mm 3Q LEFT (Enhanced)" in seen
            final = charlib_client.jobs.get(charlib_client.jobs.list().jobs[0].job_id)
            assert final.results.processing_time == 90000

        @pytest.mark.charlib(cassette="tapes/ada.json", mode="upstream", speed=6000)
        def test_over_http(charlib_server):
            with charlib.Client(base_url=charlib_server.url) as client:
                final = start(client).wait()
            assert final.results.generated_images[0].url.startswith(charlib_server.url)
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=2)


def test_a_bad_cassette_fails_the_test_by_name(pytester: pytest.Pytester) -> None:
    """A missing file, a malformed one, or scenario= beside cassette= is a usage error."""
    (pytester.path / "bad.json").write_text('{"format": "vcr"}', encoding="utf-8")
    (pytester.path / "good.json").write_text(json.dumps(small()), encoding="utf-8")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.charlib(cassette="bad.json")
        def test_bad(charlib_client):
            pass

        @pytest.mark.charlib(cassette="nowhere.json")
        def test_missing(charlib_client):
            pass

        @pytest.mark.charlib(cassette="good.json", scenario="fail")
        def test_both(charlib_client):
            pass
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*bad.json: format must be 'charlib.cassette'*",
            "*no cassette file*nowhere.json*",
            "*give scenario= or cassette=, not both*",
        ]
    )

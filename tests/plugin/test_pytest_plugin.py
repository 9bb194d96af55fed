"""The pytest plugin, exercised the way users meet it: a test file in a fresh pytest run."""

from __future__ import annotations

import sys

import pytest

# The inner runs load the plugin through its entry point, as an installed charlib does.
RUN = ("-p", "no:cacheprovider")


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    """`pytest --markers` lists the charlib marker with its help text."""
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.charlib(*configure the charlib mock server*"])


def test_sync_client_waits_for_a_full_set_in_virtual_time(pytester: pytest.Pytester) -> None:
    """charlib_client runs a 27-shot job to completion; the mock's clock moved ~20 minutes."""
    pytester.makepyfile(
        """
        def test_set(charlib_client, charlib_mock):
            before = charlib_mock.now()
            character = charlib_client.characters.create(name="Ada")
            charlib_client.characters.generate_initial_image(character.id, prompt="portrait")
            status = charlib_client.characters.generate_360_set_and_wait(character.id)
            assert status.status == "completed"
            assert status.progress.current == 27
            elapsed = (charlib_mock.now() - before).total_seconds()
            assert 27 * 30 <= elapsed <= 27 * 60 * 2, elapsed
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=1)


def test_async_client_fixture_works_in_async_tests(pytester: pytest.Pytester) -> None:
    """charlib_async_client waits for several jobs at once inside an asyncio test."""
    pytester.makepyfile(
        """
        import asyncio

        def test_many(charlib_async_client):
            async def run():
                client = charlib_async_client
                character = await client.characters.create(name="Ada")
                await client.characters.generate_initial_image(character.id, prompt="p")
                jobs = [await client.characters.generate_360_set(character.id, image_count=3)
                        for _ in range(4)]
                done = await client.jobs.wait_all([job.id for job in jobs])
                assert [s.status.value for s in done] == ["completed"] * 4
            asyncio.run(run())
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=1)


def test_marker_sets_scenario_mode_and_seed(pytester: pytest.Pytester) -> None:
    """@pytest.mark.charlib(scenario='fail') makes the job fail; the mock reports the mode."""
    pytester.makepyfile(
        """
        import pytest
        import charlib

        @pytest.mark.charlib(scenario="fail", mode="upstream", seed=5)
        def test_fail(charlib_client, charlib_mock):
            assert charlib_mock.mode == "upstream"
            character = charlib_client.characters.create(name="Ada")
            charlib_client.characters.generate_initial_image(character.id, prompt="p")
            with pytest.raises(charlib.JobFailedError):
                charlib_client.characters.generate_360_set_and_wait(character.id, image_count=2)
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=1)


def test_marker_faults_are_survived_by_the_client(pytester: pytest.Pytester) -> None:
    """With injected 503s the client's retries and the wait still reach completion."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.charlib(faults={"rate": 0.3, "kinds": ["503"], "retry_after": 1})
        def test_faults(charlib_client, charlib_mock):
            character = charlib_client.with_options(max_retries=10).characters.create(name="A")
            client = charlib_client.with_options(max_retries=10)
            client.characters.generate_initial_image(character.id, prompt="p")
            status = client.characters.generate_360_set_and_wait(character.id, image_count=5)
            assert status.status == "completed"
            assert any(r["status"] == 503 for r in charlib_mock.requests())
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_mock(pytester: pytest.Pytester) -> None:
    """State does not leak: the second test sees no character from the first."""
    pytester.makepyfile(
        """
        def test_first(charlib_client):
            charlib_client.characters.create(name="Ada")
            assert charlib_client.characters.list().total_docs == 1

        def test_second(charlib_client):
            assert charlib_client.characters.list().total_docs == 0
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=2)


def test_unknown_marker_option_is_a_clear_usage_error(pytester: pytest.Pytester) -> None:
    """A misspelt marker option fails the test with a message naming it."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.charlib(sceanrio="fail")
        def test_typo(charlib_client):
            pass
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option(s) sceanrio*"])


def test_misspelt_scenario_is_a_usage_error_listing_the_values(pytester: pytest.Pytester) -> None:
    """A misspelt scenario value fails like a misspelt option, listing the valid values."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.charlib(scenario="partal")
        def test_typo(charlib_client):
            pass
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError*scenario must be one of success, partial, fail*"])


def test_partial_scenario_with_one_shot_fails_loudly(pytester: pytest.Pytester) -> None:
    """A `partial` test that asks for one image cannot quietly succeed: the start is refused."""
    pytester.makepyfile(
        """
        import pytest
        import charlib

        @pytest.mark.charlib(scenario="partial")
        def test_one_shot(charlib_client):
            ada = charlib_client.characters.create(name="Ada")
            charlib_client.characters.generate_initial_image(ada.id, prompt="portrait")
            with pytest.raises(charlib.BadRequestError, match="partial scenario needs"):
                charlib_client.characters.generate_360_set(ada.id, image_count=1)
        """
    )
    pytester.runpytest(*RUN).assert_outcomes(passed=1)


def test_server_fixture_serves_real_http(pytester: pytest.Pytester) -> None:
    """charlib_server listens on 127.0.0.1 and a client built from its URL reaches it."""
    pytester.makepyfile(
        """
        import pytest
        import charlib

        @pytest.mark.charlib(api_key="sekret")
        def test_server(charlib_server):
            assert charlib_server.url.startswith("http://127.0.0.1:")
            with charlib.Client(base_url=charlib_server.url, api_key="sekret") as client:
                assert client.health().is_healthy
                assert client.characters.list().total_docs == 0
            with charlib.Client(base_url=charlib_server.url, max_retries=0) as anonymous:
                with pytest.raises(charlib.AuthenticationError):
                    anonymous.characters.list()
        """
    )
    result = pytester.runpytest(*RUN)
    result.assert_outcomes(passed=1)


def test_importing_the_plugin_does_not_import_the_mock_server(pytester: pytest.Pytester) -> None:
    """Loading the plugin leaves mock_server and uvicorn unimported until a fixture needs them."""
    pytester.makepyfile(
        """
        import sys

        def test_light():
            assert "charlib.pytest_plugin" in sys.modules
            assert "mock_server" not in sys.modules
            assert "uvicorn" not in sys.modules
        """
    )
    # Other heavy plugins stay out of the way: only the import cost of ours is in question.
    result = pytester.runpytest_subprocess(*RUN, "-p", "no:schemathesis")
    result.assert_outcomes(passed=1)


def test_plugin_is_registered_under_the_charlib_name() -> None:
    """The pytest11 entry point names charlib.pytest_plugin."""
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("charlib") == "charlib.pytest_plugin"
    assert sys.modules.get("charlib.pytest_plugin") is not None

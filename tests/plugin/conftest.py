"""pytester (enabled in pyproject's addopts) runs pytest inside pytest: it checks the plugin as a
user's suite would load it."""

import pytest


@pytest.fixture(autouse=True)
def _strict_inner_runs(pytester: pytest.Pytester) -> None:
    """Inner runs turn warnings into errors too (and settle pytest-asyncio's loop-scope notice)."""
    pytester.makeini(
        "[pytest]\nfilterwarnings =\n    error\nasyncio_default_fixture_loop_scope = function\n"
    )

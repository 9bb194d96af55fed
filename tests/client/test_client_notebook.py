"""The progress bar in a Jupyter kernel without ipywidgets: a text bar, and no warning about it.

tqdm decides between its notebook bar and its text bar while ``tqdm.auto`` is being imported (and
warns then), so each case runs in a fresh interpreter that looks like a kernel to tqdm: the
kernel's shell module is loaded and ``IPython.get_ipython()`` returns a ``ZMQInteractiveShell``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# What a notebook user runs, in a process tqdm takes for a Jupyter kernel without ipywidgets.
_NOTEBOOK = textwrap.dedent(
    """
    import json, sys, types, warnings

    sys.modules["ipywidgets"] = None  # not installed, whatever this machine has
    sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
    class ZMQInteractiveShell:
        pass
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    sys.modules["IPython"] = ipython

    from mock_server import ManualClock, create_app
    from charlib.testing import in_process_client

    with in_process_client(create_app(clock=ManualClock())) as client:
        ada = client.characters.create(name="Ada")
        client.characters.generate_initial_image(ada.id, prompt="portrait")
        job = client.characters.generate_360_set(ada.id, image_count=2)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            status = {call}
    print(json.dumps({{
        "state": status.status.value,
        "warnings": [f"{{w.category.__name__}}: {{w.message}}" for w in seen],
        "tqdm_auto": "tqdm.auto" in sys.modules,
    }}))
    """
)


@pytest.mark.parametrize(
    "call",
    [
        "job.wait(progress=True)",
        "client.jobs.wait_all([job.id], progress=True)[0]",
    ],
)
def test_progress_bar_in_a_kernel_without_ipywidgets_warns_nothing(call: str) -> None:
    """The first bar in a kernel without ipywidgets draws as text and emits no TqdmWarning
    ("IProgress not found"), which tqdm.auto raises when it is imported."""
    done = subprocess.run(
        [sys.executable, "-c", _NOTEBOOK.format(call=call)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["state"] == "completed"
    assert outcome["tqdm_auto"]  # the bar really came from tqdm.auto, the import that warns
    assert outcome["warnings"] == []
    assert "IProgress" not in done.stderr
    assert "360 set" in done.stderr or "jobs" in done.stderr  # the text bar was drawn

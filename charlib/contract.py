"""Checking any server against the wire contract: the Python side of ``charlib contract check``.

::

    import charlib
    from charlib import contract

    with charlib.Client(base_url="http://127.0.0.1:8000") as client:
        print(contract.plan(1))                  # what it will create
        report = contract.check(client)          # one character, one job of 1 image
        for fact in report.facts:
            print(fact.verdict, fact.id, fact.seen, fact.defect or "")
        print(report.summary())

Each fact of :data:`FACTS` *holds*, *differs* (with what was seen, and the id of the live
service's defect from CONTRACT §13 when it matches one, e.g. ``D7``), or is *skipped* (with
why). See docs/fidelity.md.
"""

from charlib._contract.report import FACTS, ContractReport, FactResult, Verdict
from charlib._contract.run import DEFAULT_JOB_TIMEOUT, check, plan

__all__ = [
    "DEFAULT_JOB_TIMEOUT",
    "FACTS",
    "ContractReport",
    "FactResult",
    "Verdict",
    "check",
    "plan",
]

"""The contract check: does a server behave as the contract says? (``charlib contract check``)

:func:`check` runs the catalogue of facts (:data:`FACTS`) against any server and returns a
:class:`ContractReport`; the public door is :mod:`charlib.contract`. The modules: ``report``
(the catalogue and the result types), ``probe`` (single-attempt requests through the client, bodies
parsed by the SDK's models), ``service`` (facts that need no job), ``job`` (the job's lifecycle
from a watch's snapshots), ``after`` (the ended job, its media, the list) and ``run`` (the order).
"""

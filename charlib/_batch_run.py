"""The batch's two runners: they carry out :func:`charlib._batch_flow.batch_flow`'s commands
with a :class:`~charlib.Client` (one call after another) or an :class:`~charlib.AsyncClient`
(a batch of calls, or of polls, at once). Nothing is decided here.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from charlib._batch_flow import BatchFlow, Calls, PollJobs
from charlib._batch_steps import Call, ListJobs
from charlib._exceptions import CharlibError
from charlib._wait_flow import Sleep, advance

if TYPE_CHECKING:
    from charlib._client import AsyncClient, Client

__all__ = ["run_async", "run_sync"]


def _call(client: Client, call: Call) -> Any:
    """Make one call with the blocking client."""
    reply = call.make(client)
    return list(reply) if isinstance(call, ListJobs) else reply


async def _acall(client: AsyncClient, call: Call) -> Any:
    """Same as :func:`_call`, awaited."""
    reply = call.make(client)
    if isinstance(call, ListJobs):
        return [job async for job in reply]
    return await reply


def run_sync(client: Client, flow: BatchFlow) -> None:
    """Carry out the flow's commands, one request after another."""
    reply: object = None
    try:
        while (command := advance(flow, reply)) is not None:  # type: ignore[arg-type]
            reply = None
            if isinstance(command, Calls):
                reply = [_outcome(_call, client, call) for _, call in command.items]
            elif isinstance(command, PollJobs):
                reply = [_outcome(_poll, client, job_id) for job_id in command.job_ids]
            else:
                assert isinstance(command, Sleep)
                client.clock.sleep(command.seconds)
    finally:
        flow.close()


def _poll(client: Client, job_id: str) -> Any:
    return client.jobs.get(job_id)


def _outcome(function: Any, client: Any, argument: Any) -> Any:
    try:
        return function(client, argument)
    except (CharlibError, OSError) as error:
        return error


async def _aoutcome(function: Any, client: Any, argument: Any) -> Any:
    try:
        return await function(client, argument)
    except (CharlibError, OSError) as error:
        return error


async def _apoll(client: AsyncClient, job_id: str) -> Any:
    return await client.jobs.get(job_id)


async def run_async(client: AsyncClient, flow: BatchFlow) -> None:
    """Carry out the flow's commands, each batch of calls or polls at once (a batch holds at
    most one call per character in hand, so ``max_active`` bounds it)."""
    reply: object = None
    try:
        while (command := advance(flow, reply)) is not None:  # type: ignore[arg-type]
            reply = None
            if isinstance(command, Calls):
                work = [_aoutcome(_acall, client, call) for _, call in command.items]
                reply = list(await asyncio.gather(*work))
            elif isinstance(command, PollJobs):
                polls = [_aoutcome(_apoll, client, job_id) for job_id in command.job_ids]
                reply = list(await asyncio.gather(*polls))
            else:
                assert isinstance(command, Sleep)
                await client.clock.asleep(command.seconds)
    finally:
        flow.close()

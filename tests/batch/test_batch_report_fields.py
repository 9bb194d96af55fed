"""A batch record takes the fields its ledger row holds under the same names by name: each of
those names must mean the same thing (and have the same type) on both sides."""

from __future__ import annotations

import dataclasses
import typing

from charlib import _batch_ledger, _batch_report
from charlib.batch import CharacterRecord


def test_the_fields_a_record_takes_from_its_row_have_one_type_on_both_sides() -> None:
    """Every name in ``_ROW_FIELDS`` is a field of both, annotated with the same type."""
    record = typing.get_type_hints(CharacterRecord)
    row = typing.get_type_hints(_batch_ledger.LedgerRow)
    names = _batch_report._ROW_FIELDS
    assert names, "the record takes no field from the row"
    for name in names:
        assert name in record, f"{name} is not a field of CharacterRecord"
        assert name in row, f"{name} is not a field of LedgerRow"
        assert record[name] == row[name], f"{name}: {record[name]} != {row[name]}"
    taken = {field.name for field in dataclasses.fields(CharacterRecord)} & set(row)
    assert taken <= set(names) | {"character_id", "jobs_started", "folder", "files"}

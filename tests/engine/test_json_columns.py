"""JSON columns: written with orjson as UTF-8 text, read back as the same values, and older text still reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from engine.db import Database
from engine.models import JSONType

PROBE = Table("json_column_probe", MetaData(), Column("id", Integer, primary_key=True), Column("value", JSONType))


@pytest.fixture
def probe(db: Database) -> Iterator[Database]:
    PROBE.create(db.engine)
    try:
        yield db
    finally:
        PROBE.drop(db.engine)


def _stored(db: Database, value: Any) -> Any:
    with db.engine.begin() as connection:
        connection.execute(insert(PROBE), {"id": 1, "value": value})
    with db.engine.connect() as connection:
        return connection.execute(select(PROBE.c.value)).scalar_one()


def test_a_json_value_reads_back_as_written_with_number_keys_as_text(probe: Database) -> None:
    value = {"name": "Zoë Ní Bhriain", "scores": [1, 2.5, None, True], "nested": {"deep": [{"a": "b"}]}, 3: "three"}
    assert _stored(probe, value) == {**{k: v for k, v in value.items() if k != 3}, "3": "three"}


def test_an_integer_beyond_64_bits_is_still_stored(probe: Database) -> None:
    assert _stored(probe, {"big": 2**70}) == {"big": 2**70}


def test_json_text_holds_utf8_as_it_is_and_older_escaped_text_still_reads(probe: Database) -> None:
    _stored(probe, {"name": "Zoë"})
    with probe.engine.begin() as connection:
        raw = connection.execute(text("SELECT CAST(value AS TEXT) FROM json_column_probe")).scalar_one()
        connection.execute(insert(PROBE), {"id": 2, "value": None})
        connection.execute(text("UPDATE json_column_probe SET value = :old WHERE id = 2"),
                           {"old": json.dumps({"name": "Zoë"})})
    assert "Zoë" in raw
    with probe.engine.connect() as connection:
        assert connection.execute(select(PROBE.c.value).where(PROBE.c.id == 2)).scalar_one() == {"name": "Zoë"}

"""Fuzzing the reader with mutated workbooks: only the project's own errors come out."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import TEMPLATE
from xl_kpi.core.errors import XlKpiError
from xl_kpi.files.csvio import sample_csv_path
from xl_kpi.files.master import import_csv
from xl_kpi.files.reader import read_workbook

_cache: dict[str, bytes] = {}


def seed_file(tmp_path_factory) -> bytes:
    if "seed" not in _cache:
        d = tmp_path_factory.mktemp("seed")
        import_csv(sample_csv_path(), d, 2020)
        _cache["seed"] = (d / "農林水産部.xlsx").read_bytes()
    return _cache["seed"]


def read_or_own_error(tmp_path, data: bytes) -> None:
    p = tmp_path / "fuzz.xlsx"
    p.write_bytes(data)
    try:
        read_workbook(p)
    except XlKpiError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_byte_mutations(tmp_path, tmp_path_factory, data):
    seed = bytearray(seed_file(tmp_path_factory))
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(seed) - 1))
        seed[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        seed = seed[: data.draw(st.integers(0, len(seed)))]
    read_or_own_error(tmp_path, bytes(seed))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_xml_mutations_inside_a_valid_zip(tmp_path, tmp_path_factory, data):
    seed = seed_file(tmp_path_factory)
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    target = data.draw(st.sampled_from(sorted(n for n in parts if n.endswith(".xml"))))
    text = bytearray(parts[target])
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(text) - 1))
        text[i:i + data.draw(st.integers(0, 4))] = data.draw(st.sampled_from(
            [b"", b"<", b">", b"\"", b"&", b"0", b"-1", b"999999", b"A", b"<c r=\"ZZZ9\">", b"\xff", b"t=\"e\""]))
    parts[target] = bytes(text)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    read_or_own_error(tmp_path, out.getvalue())


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"])
def test_a_missing_or_empty_part_is_a_file_error(tmp_path, part):
    with zipfile.ZipFile(TEMPLATE) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = b""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    p = tmp_path / "x.xlsx"
    p.write_bytes(out.getvalue())
    with pytest.raises(XlKpiError):
        read_workbook(p)


def test_an_unknown_encoding_declared_in_a_part_is_a_file_error(tmp_path):
    """Found by the XML fuzzer: ``<?xml … encoding="U0TF-8"?>`` made ElementTree raise LookupError."""
    with zipfile.ZipFile(TEMPLATE) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b'encoding="UTF-8"', b'encoding="U0TF-8"', 1)
    assert b"U0TF-8" in parts["[Content_Types].xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    p = tmp_path / "x.xlsx"
    p.write_bytes(out.getvalue())
    with pytest.raises(XlKpiError):
        read_workbook(p)

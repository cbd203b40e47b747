"""Fuzzing the reader with mutated workbooks: only the project's own errors come out."""

import contextlib
import io
import random
import re
import zipfile
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import TEMPLATE
from xl_kpi.core.errors import FileError, XlKpiError
from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import import_csv
from xl_kpi.files.writing.csvio import sample_csv_path

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
    with contextlib.suppress(XlKpiError):
        read_workbook(p)


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


TOKENS = [b"", b"<", b">", b"\"", b"&", b"0", b"-1", b"999999", b"A", b"<c r=\"ZZZ9\">", b"\xff", b"t=\"e\"",
          b"t=\"s\"", b"<v>", b"</v>", b"1E+308", b"&amp;", b"\xe3\x80\x80"]


# Edits that keep the XML well formed, so the input reaches the parsers behind the XML parser:
# (pattern, replacements) — one match of the pattern is replaced.
EDITS = [
    (rb"<v>[^<]*</v>", [b"<v>-1</v>", b"<v>1E+308</v>", b"<v>abc</v>", b"<v></v>", b"<v>99999999</v>", b"<v>0.5</v>"]),
    (rb' t="[a-zA-Z]+"', [b' t="str"', b' t="e"', b' t="n"', b' t="b"', b' t="s"', b""]),
    (rb' r="[A-Z]+[0-9]+"', [b' r="XFD1048576"', b' r="A1"', b' r="ZZZ9"', b' r="A5"']),
    (rb"<c [^>]*?(?:/>|>.*?</c>)", [b""]),
    (rb"<t[^>]*>[^<]*</t>", [b"<t></t>", b"<t>\xe5\x8f\x96\xe7\xb5\x84</t>", b"<t>=1+1</t>", b"<t>" + b"x" * 300 + b"</t>",
                             b"<t>\xe2\x91\xa030\xe4\xbb\xb6</t>"]),
    (rb"<row [^>]*>", [b"<row>", b'<row r="1">', b'<row r="99999">']),
]


def mutate_xml(parts: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    """A copy of the parts with one XML part changed in a few places (the zip stays valid):
    well-formed edits of values, types, references, cells and strings, or raw byte damage."""
    names = sorted(n for n in parts if n.endswith(".xml"))
    # the sheets and the shared strings are where the reader's own parsing happens
    weighted = [n for n in names if n.startswith(("xl/worksheets/", "xl/sharedStrings"))] * 4 + names
    target = rng.choice(weighted)
    text = bytes(parts[target])
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.75:
            pattern, replacements = rng.choice(EDITS)
            found = list(re.finditer(pattern, text, re.S))
            if found:
                m = rng.choice(found)
                text = text[:m.start()] + rng.choice(replacements) + text[m.end():]
        else:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(TOKENS) + text[i + rng.randint(0, 4):]
    return {**parts, target: text}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return out.getvalue()


def stage_reached(path) -> str:
    """How far the reader got: refused by the preflight, refused by the engine that parses the
    XML, parsed but no KPI sheet left, or read."""
    try:
        wb = read_workbook(path)
    except FileError as err:
        if err.finding is not None:
            return "preflight"
        return "engine" if err.code == "corrupt-file" else "parsed, no KPI sheet"
    return "read with records" if any(s.records for s in wb.sheets) else "read, no records"


def test_xml_mutations_inside_a_valid_zip_reach_the_parsers(tmp_path, tmp_path_factory):
    seed = seed_file(tmp_path_factory)
    with zipfile.ZipFile(io.BytesIO(seed)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    rng = random.Random(20261128)
    stages: Counter[str] = Counter()
    for i in range(120):
        p = tmp_path / f"fuzz{i}.xlsx"
        p.write_bytes(zipped(mutate_xml(parts, rng)))
        stages[stage_reached(p)] += 1  # any other exception fails the test
    print("stages reached:", dict(stages))
    assert sum(stages.values()) == 120
    # most inputs get past the zip and the preflight into an XML parser, and many through it
    assert stages["preflight"] < 60, stages
    assert stages["read with records"] + stages["read, no records"] + stages["parsed, no KPI sheet"] >= 40, stages
    assert stages["read with records"] >= 20 and stages["engine"] >= 5, stages


def template_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(TEMPLATE) as z:
        return {n: z.read(n) for n in z.namelist()}


def read_parts(tmp_path, parts: dict[str, bytes]):
    """Zip ``parts`` into a workbook file and read it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    p = tmp_path / "x.xlsx"
    p.write_bytes(out.getvalue())
    return read_workbook(p)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"])
def test_a_missing_or_empty_part_is_a_file_error(tmp_path, part):
    parts = template_parts()
    parts[part] = b""
    with pytest.raises(XlKpiError):
        read_parts(tmp_path, parts)


def test_an_unknown_encoding_declared_in_a_part_is_a_file_error(tmp_path):
    """Found by the XML fuzzer: ``<?xml … encoding="U0TF-8"?>`` made ElementTree raise LookupError."""
    parts = template_parts()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b'encoding="UTF-8"', b'encoding="U0TF-8"', 1)
    assert b"U0TF-8" in parts["[Content_Types].xml"]
    with pytest.raises(XlKpiError):
        read_parts(tmp_path, parts)

"""The add-in manifest validated against Microsoft's published manifest XSDs (tests/server/schemas,
see its README for source, licence and the two defects repaired on load).

``Runtimes`` is newer than those schemas: [MS-OWEMXML] (Office Web Extensibility Manifest File
Format, VersionOverrides 1.1) and learn.microsoft.com/javascript/api/manifest/runtimes document it
as a child of ``Host`` holding ``Runtime`` elements with a ``resid`` that names a ``bt:Url`` and a
``lifetime`` of ``short`` or ``long`` (``long`` for a shared runtime). The test checks that part
against that description, removes it, and validates everything else against the XSDs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xl_kpi.server.manifest import REQUIREMENT_SETS, manifest_xml

etree = pytest.importorskip("lxml.etree")

SCHEMAS = Path(__file__).parent / "schemas"
TPO = "http://schemas.microsoft.com/office/taskpaneappversionoverrides"
BT = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
CONTENT_PLACEHOLDER = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
  targetNamespace="http://schemas.microsoft.com/office/contentappversionoverrides">
  <xs:element name="VersionOverrides"><xs:complexType><xs:sequence>
    <xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:anyAttribute processContents="lax"/></xs:complexType></xs:element></xs:schema>"""


def published(name: str) -> bytes:
    """A schema file with the published copies' two defects repaired."""
    data = (SCHEMAS / name).read_bytes()
    return data.replace(b'"https://www.w3.org/2001/XMLSchema"', b'"http://www.w3.org/2001/XMLSchema"') \
               .replace(b"{0,3}?", b"{0,3}")


class SchemaFiles(etree.Resolver):
    def resolve(self, url, _public_id, context):
        name = url.rsplit("/", 1)[-1]
        if name == "ContentAppVersionOverridesV1_0.xsd":
            return self.resolve_string(CONTENT_PLACEHOLDER, context)
        if (SCHEMAS / name).exists():
            return self.resolve_string(published(name), context)
        return None


@pytest.fixture(scope="module")
def manifest_schema():
    parser = etree.XMLParser()
    parser.resolvers.add(SchemaFiles())
    root = etree.fromstring(published("OfficeAppManifestV1_1.xsd"), parser,
                            base_url=str(SCHEMAS.resolve() / "OfficeAppManifestV1_1.xsd"))
    return etree.XMLSchema(root)


def check_runtimes(doc) -> int:
    """Runtimes as documented; returns how many were checked, after removing them."""
    url_ids = {u.get("id") for u in doc.iter(f"{{{BT}}}Url")}
    runtimes = list(doc.iter(f"{{{TPO}}}Runtimes"))
    for rts in runtimes:
        assert etree.QName(rts.getparent()).localname == "Host"
        assert rts.getparent().index(rts) == 0, "Runtimes comes first in Host"
        for rt in rts:
            assert etree.QName(rt).localname == "Runtime"
            assert rt.get("resid") in url_ids and rt.get("lifetime") in ("short", "long")
        rts.getparent().remove(rts)
    return len(runtimes)


@pytest.mark.parametrize("base", ["https://kpi.city.example.jp", "https://www.city.example.jp/kpi"])
def test_manifest_is_valid_against_microsofts_schemas(manifest_schema, base):
    doc = etree.fromstring(manifest_xml(base).encode())
    assert check_runtimes(doc) == 1
    assert manifest_schema.validate(doc), str(manifest_schema.error_log)


def test_the_check_would_catch_a_broken_manifest(manifest_schema):
    text = manifest_xml("https://kpi.city.example.jp").replace("<Permissions>ReadWriteDocument</Permissions>",
                                                               "<Permissions>Everything</Permissions>")
    doc = etree.fromstring(text.encode())
    check_runtimes(doc)
    assert not manifest_schema.validate(doc)


def test_requirement_sets_are_declared_and_checked_by_the_glue():
    text = manifest_xml("https://kpi.city.example.jp")
    for name, version in REQUIREMENT_SETS.items():
        assert f'<Set Name="{name}" MinVersion="{version}"/>' in text
    glue = (Path(__file__).parents[2] / "xl_kpi" / "server" / "static" / "xlkpi.js").read_text(encoding="utf-8")
    assert re.search(r'EXCEL_API = "([\d.]+)"', glue).group(1) == REQUIREMENT_SETS["ExcelApi"]
    assert 'isSetSupported("ExcelApi", EXCEL_API)' in glue

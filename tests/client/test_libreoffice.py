"""A real spreadsheet client: LibreOffice opens, recalculates and prints what xl-kpi writes."""

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from xl_kpi.files.run.master import merge_files
from xl_kpi.files.writing.csvio import read_csv_records, sample_csv_path

pytestmark = pytest.mark.libreoffice
TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "取組状況_様式.xlsx"


def soffice(tmp_path: Path, src: Path, target: str) -> Path:
    out = tmp_path / "out"
    profile = tmp_path / "profile"
    proc = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                           "--convert-to", target, "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    produced = sorted(out.iterdir())
    assert produced, proc.stdout + proc.stderr
    return produced[0]


def pdf_pages(pdf: Path) -> int:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    import re
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_template_opens_and_prints(tmp_path):
    pdf = soffice(tmp_path, TEMPLATE, "pdf")
    assert pdf_pages(pdf) >= 1


def test_master_opens_recalculates_and_prints(submissions, tmp_path):
    master = tmp_path / "取組状況.xlsx"
    merge_files([submissions], master)
    pdf = soffice(tmp_path, master, "pdf")
    assert pdf_pages(pdf) >= 2
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "取組状況" in text and "133%" in text
    out_csv = soffice(tmp_path / "c", master, "csv:Text - txt - csv (StarCalc):44,34,76")
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    shown = {r[0]: r[9] for r in rows if r and r[0][:1].isdigit() and r[9]}
    published = {r.measure_id: r.rate for r in read_csv_records(sample_csv_path()) if r.kpi_no == "1"}
    assert shown == published  # LibreOffice shows exactly the published rates

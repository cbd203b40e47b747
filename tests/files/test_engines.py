"""One behaviour over both reading engines: calamine (fast values) and openpyxl (formats, formulas)."""


from xl_kpi.files.reading.reader import read_workbook
from xl_kpi.files.run.master import merge_files


def snapshot(path, engine):
    wb = read_workbook(path, engine=engine)
    return ([(s.name, s.department, [(r.to_dict(), r.source.row, dict(r.source.cells)) for r in s.records],
              sorted(f.to_dict().items() for f in s.findings)) for s in wb.sheets],
            wb.settings)


def test_engines_agree_on_every_submission(submissions):
    for p in sorted(submissions.iterdir()):
        assert snapshot(p, "calamine") == snapshot(p, "openpyxl"), p.name


def test_engines_agree_on_the_master(submissions, tmp_path):
    master = tmp_path / "m.xlsx"
    merge_files([submissions], master)
    assert snapshot(master, "calamine") == snapshot(master, "openpyxl")


def test_auto_uses_openpyxl_for_percent_formatted_numbers(submissions):
    import openpyxl
    p = submissions / "企画管理部.xlsx"
    wb = openpyxl.load_workbook(p)
    ws = wb["企画管理部"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "2-12") + 1
    assert ws.cell(row, 5).value == "2"
    ws.cell(row, 9).value = 0.634
    ws.cell(row, 9).number_format = "0.0%"
    wb.save(p)
    rec = next(r for r in read_workbook(p).sheets[0].records if r.measure_id == "2-12" and r.kpi_no == "2")
    assert rec.current == "63.4%"

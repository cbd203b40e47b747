"""Synthetic KPI records and submissions made from the embedded sample (realistic text, varied numbers)."""

from __future__ import annotations

import random
from dataclasses import replace

from xl_kpi.core.record import KpiRecord
from xl_kpi.files.writing.csvio import read_csv_records, sample_csv_path

DEPARTMENTS = ["商工労働部", "企画管理部", "環境部", "農林水産部", "福祉保健部", "活力都市創造部",
               "子ども家庭部", "教育委員会", "建設部", "市民生活部", "上下水道局", "消防局"]


def vary(text: str, rng: random.Random) -> str:
    """Replace the first number of a KPI text by another of the same size (keeps the format)."""
    out, done = [], False
    i = 0
    while i < len(text):
        ch = text[i]
        if not done and ch in "0123456789" and not (i and text[i - 1] in "成和"):
            j = i
            while j < len(text) and text[j] in "0123456789,.":
                j += 1
            digits = text[i:j].replace(",", "")
            whole = digits.split(".")[0]
            n = rng.randint(0, max(9, int(whole) * 2 if whole else 9))
            out.append(f"{n:,}")
            i, done = j, True
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def synthetic_records(n: int, seed: int = 1) -> list[KpiRecord]:
    rng = random.Random(seed)
    base = [r for r in read_csv_records(sample_csv_path())]
    out = []
    for i in range(n):
        r = base[i % len(base)]
        out.append(replace(r, measure_id=f"{r.goal_no}-{(i // len(base)) % 90 + 10:02d}",
                           kpi_no=str(i % 5 + 1) if r.kpi_no else "", current=vary(r.current, rng),
                           target=vary(r.target, rng), baseline=vary(r.baseline, rng), rate=""))
    return out


def department_records(dept_index: int, rows: int, seed: int) -> list[KpiRecord]:
    """One department's submission: `rows` KPI rows with unique keys."""
    rng = random.Random(seed)
    base = [r for r in read_csv_records(sample_csv_path()) if r.kpi_no]
    dept = DEPARTMENTS[dept_index % len(DEPARTMENTS)] + (
        f"{dept_index // len(DEPARTMENTS) + 1}" if dept_index >= len(DEPARTMENTS) else "")
    out = []
    for i in range(rows):
        r = base[(i + dept_index) % len(base)]
        goal = str(i % 4 + 1)
        measure_id = f"{goal}-{dept_index % 900 + 10:03d}" if dept_index >= 90 else f"{goal}-{dept_index + 10:02d}"
        out.append(replace(r, goal_no=goal, measure_id=measure_id,
                           kpi_no=str(i // 4 + 1), department=dept, current=vary(r.current, rng),
                           target=vary(r.target, rng), rate="", revised_target="", revised_rate=""))
    return out

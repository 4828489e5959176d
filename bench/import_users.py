"""Bulk import benchmark: 2,000 teachers from a district office's .xlsx, through the real HTTP endpoints.

A fresh migrated database (the demo community plus one school) is served by the app in-process (FastAPI's
TestClient: the whole request path, routing, auth, CSRF-free bearer token, JSON). Timed, each once:

* ``preview``: POST /api/imports/people/preview with the file (parse, plan every row, nothing written);
* ``confirm``: POST /api/imports/{token}/confirm (plan again, write 2,000 people with one-time passwords and
  their audit rows through the same service functions as the JSON API, one transaction);
* ``reimport``: the same file previewed again (all rows unchanged: the idempotence check).

Baseline, same run: the row-by-row API path an office had before (a script calling POST /api/users with a
password per teacher, argon2-hashed), on a sample of ``--baseline-rows`` rows, extrapolated to the full file
and labelled as such. Target: preview + confirm of 2,000 teachers under 30 s on this 2-core machine.

Usage: python bench/import_users.py [--rows 2000] [--baseline-rows 100] [--backends sqlite,postgres]
Writes bench/results/import_users.json. Wall-clock figures include waiting for the CPU when other work runs
(the load average is recorded).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
SCHOOL = "城南中学"
SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "体育", "美术")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PG_ADMIN = os.environ.get("TINGKE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def spreadsheet(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("教师名册")
    sheet.append(["姓名", "工号", "手机号", "学校", "学科", "年级", "角色", "职务"])
    for i in range(1, rows + 1):
        sheet.append([f"教师{i:05d}", f"B{i:05d}", f"137{i:08d}", SCHOOL, SUBJECTS[i % len(SUBJECTS)],
                      f"{i % 6 + 1}年级", "教师", "科任教师"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _database(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    import psycopg

    name = f"tingke_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')  # type: ignore[arg-type]
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def _drop(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def run_backend(backend: str, rows: int, baseline_rows: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from models import School, SchoolRole
    from models.db import engine_for, session_scope
    from models.migrate import upgrade
    from tingke.settings import reset_settings

    folder = Path(tempfile.mkdtemp(prefix="tingke-import-bench-"))
    url, pg_name = _database(backend, folder)
    os.environ.update(TINGKE_DATA_DIR=str(folder), TINGKE_DATABASE_URL=url, TINGKE_SECRET_KEY="bench-" + "x" * 20)
    reset_settings()
    try:
        upgrade(url)
        from tingke.entry.demo import seed_demo

        with session_scope(url) as session:
            seed_demo(session)
            session.add(School(name=SCHOOL, role=SchoolRole.lead))
        data = spreadsheet(rows)
        from api.app import create_app

        with TestClient(create_app()) as client:
            token = client.post("/api/auth/token", data={"username": "admin", "password": "tingke-demo"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            result: dict[str, Any] = {"rows": rows, "file_bytes": len(data)}

            start = time.perf_counter()
            preview = client.post("/api/imports/people/preview", headers=headers,
                                  files={"file": ("名册.xlsx", data, XLSX)})
            result["preview_s"] = round(time.perf_counter() - start, 2)
            assert preview.status_code == 200, preview.text
            assert preview.json()["counts"]["created"] == rows, preview.json()["counts"]
            start = time.perf_counter()
            done = client.post(f"/api/imports/{preview.json()['token']}/confirm", headers=headers)
            result["confirm_s"] = round(time.perf_counter() - start, 2)
            assert done.status_code == 200 and done.json()["counts"]["created"] == rows, done.text[:300]
            result["import_total_s"] = round(result["preview_s"] + result["confirm_s"], 2)

            start = time.perf_counter()
            again = client.post("/api/imports/people/preview", headers=headers,
                                files={"file": ("名册.xlsx", data, XLSX)})
            result["reimport_preview_s"] = round(time.perf_counter() - start, 2)
            assert again.json()["counts"]["unchanged"] == rows, again.json()["counts"]

            school_id = next(s["id"] for s in client.get("/api/schools", headers=headers).json()
                             if s["name"] == SCHOOL)
            start = time.perf_counter()
            for i in range(1, baseline_rows + 1):
                made = client.post("/api/users", headers=headers, json={
                    "username": f"row{i:05d}", "display_name": f"逐行{i:05d}", "password": "initial-password-1",
                    "role": "teacher", "school_id": school_id, "subject": SUBJECTS[i % len(SUBJECTS)]})
                assert made.status_code == 201, made.text
            per_row = (time.perf_counter() - start) / baseline_rows
            result["baseline_rows_measured"] = baseline_rows
            result["baseline_per_row_ms"] = round(per_row * 1000, 1)
            result["baseline_extrapolated_s"] = round(per_row * rows, 1)
            result["speedup"] = round(per_row * rows / result["import_total_s"], 1)
            result["target_met"] = result["import_total_s"] < 30
        engine_for(url).dispose()
    finally:
        _drop(pg_name)
    result["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--baseline-rows", type=int, default=100)
    parser.add_argument("--backends", default="sqlite", help="comma separated: sqlite,postgres")
    args = parser.parse_args()
    results = {b: run_backend(b, args.rows, args.baseline_rows) for b in args.backends.split(",")}
    print("\n| backend  | rows | preview s | confirm s | total s | re-import s | row-by-row API (extrapolated) s |"
          " speedup | < 30 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for backend, r in results.items():
        print(f"| {backend:<8} | {r['rows']} | {r['preview_s']} | {r['confirm_s']} | {r['import_total_s']} | "
              f"{r['reimport_preview_s']} | {r['baseline_extrapolated_s']} ({r['baseline_per_row_ms']} ms/row × "
              f"{r['rows']}, {r['baseline_rows_measured']} measured) | {r['speedup']}× | {r['target_met']} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "import_users.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()

"""`onconet schedule` and `onconet schedule-generate` through the installed console script, without Django.

Exit status (contract): 0 a plan was written, 2 the instance is invalid (every problem on stderr, one a line, with
its JSON path, and nothing written), 1 an internal error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from onconet.scheduling.solver import InvalidInstance, parse_instance, verify
from onconet.scheduling.solver import cli as solver_cli
from onconet.scheduling.solver.generate import generate

REPO = Path(__file__).resolve().parents[3]
ONCONET = Path(sys.executable).parent / "onconet"
PATH = re.compile(r"^(\$|[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*): \S")


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The console script, with Django's settings pointing nowhere: the scheduler must not need them."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="no.such.settings", PYTHONHASHSEED="random")
    return subprocess.run(
        [str(ONCONET), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )


def small_instance() -> dict[str, Any]:
    """Hand-written: two machines, a holiday, downtime, a course under way, domestic and foreign courses."""
    return {
        "format": "onconet-schedule/1",
        "start_date": "2026-01-05",
        "days": 28,
        "holidays": ["2026-01-07"],
        "domestic_reserve": 0.1,
        "machines": [
            {
                "id": "G1",
                "kind": "proton_gantry",
                "minutes_per_weekday": [300, 300, 300, 300, 300, 0, 0],
                "downtime": [{"date": "2026-01-13", "minutes": 120}],
            },
            {"id": "L1", "kind": "linac", "minutes_per_weekday": [240, 240, 240, 240, 0, 0, 0]},
        ],
        "partners": [{"id": "BG-MOH", "max_courses_per_month": 1}],
        "courses": [
            {
                "id": f"D-{i:04d}",
                "origin": "domestic",
                "ready_date": f"2026-01-{5 + i:02d}",
                "urgency": 1 + i % 3,
                "fractions": 4 + i % 5,
                "first_minutes": 60,
                "minutes": 40,
                "machines": ["G1", "L1"] if i % 2 else ["G1"],
                "fixed": None,
            }
            for i in range(8)
        ]
        + [
            {
                "id": "D-0100",
                "origin": "domestic",
                "ready_date": "2025-12-15",
                "urgency": 2,
                "fractions": 10,
                "first_minutes": 60,
                "minutes": 30,
                "machines": ["L1"],
                "fixed": {"machine": "L1", "start_date": "2025-12-22", "delivered": 6},
            },
            {
                "id": "F-0001",
                "origin": "foreign",
                "partner": "BG-MOH",
                "value": 32000,
                "ready_date": "2026-01-06",
                "latest_start": "2026-01-30",
                "fractions": 5,
                "first_minutes": 60,
                "minutes": 30,
                "machines": ["G1", "L1"],
            },
            {
                "id": "F-0002",
                "origin": "foreign",
                "partner": "BG-MOH",
                "value": 15000.5,
                "ready_date": "2026-01-06",
                "latest_start": "2026-01-23",
                "fractions": 3,
                "first_minutes": 45,
                "minutes": 45,
                "machines": ["L1"],
            },
        ],
    }


def invalid_instance() -> dict[str, Any]:
    doc = small_instance()
    doc["days"] = 0
    doc["machines"][1]["minutes_per_weekday"][2] = -240
    doc["courses"][0]["machines"] = ["G9"]
    doc["courses"][1]["urgency"] = 5
    doc["courses"][2]["id"] = "D-0001"
    doc["courses"][-1]["partner"] = "XX"
    doc["courses"][-2]["latest_start"] = "2026-02-30"
    return doc


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def without_foreign(doc: dict[str, Any]) -> dict[str, Any]:
    """The reference instance (v2): foreign courses removed, except those under way."""
    return dict(doc, courses=[c for c in doc["courses"] if c["origin"] != "foreign" or c.get("fixed")])


def test_the_console_script_is_installed():
    assert ONCONET.exists(), f"{ONCONET} missing: pip install -e . creates it"


# --- invalid input: exit 2, problems on stderr, nothing written -------------------------------------------------


def test_an_invalid_instance_lists_every_problem_and_writes_nothing(tmp_path: Path):
    doc = invalid_instance()
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(doc)
    out = tmp_path / "plan.json"
    result = run("schedule", write(tmp_path, "bad.json", doc), "--solver", "greedy", "--out", out)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert not out.exists()
    lines = result.stderr.splitlines()
    assert lines == caught.value.problems
    for line in lines:
        assert PATH.match(line), line
    for prefix in (
        "days: ",
        "machines[1].minutes_per_weekday[2]: ",
        'courses[0].machines[0]: unknown machine "G9"',
        "courses[1].urgency: ",
        "courses[2].id: ",
        "courses[10].partner: ",
        "courses[9].latest_start: ",
    ):
        assert any(line.startswith(prefix) for line in lines), f"{prefix!r} missing from {lines}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "onconet-schedule/1", "days": 28,', "$: not valid JSON"),
        ("", "$: not valid JSON"),
        ("{'format': 'onconet-schedule/1'}", "$: not valid JSON"),
        ("[1, 2, 3]", "$: the instance must be a JSON object"),
        ('"instance"', "$: the instance must be a JSON object"),
        ('{"format": "onconet-schedule/1", "machines": 5}', "machines: must be an array"),
    ],
    ids=["truncated", "empty", "single quotes", "array", "string", "machines not an array"],
)
def test_input_that_is_not_an_instance_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
):
    out = tmp_path / "plan.json"
    status = solver_cli.schedule([str(write(tmp_path, "bad.json", content)), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert captured.out == ""
    assert not out.exists()
    assert any(line.startswith(message) for line in captured.err.splitlines()), captured.err
    assert "Traceback" not in captured.err


def test_invalid_json_through_the_console_script(tmp_path: Path):
    out = tmp_path / "plan.json"
    result = run("schedule", write(tmp_path, "bad.json", '{"days": 28,'), "--out", out)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert not out.exists()
    assert result.stderr.startswith("$: not valid JSON")
    assert len(result.stderr.splitlines()) == 1


def test_a_missing_file_exits_2(tmp_path: Path):
    out = tmp_path / "plan.json"
    result = run("schedule", tmp_path / "nowhere.json", "--out", out)
    assert result.returncode == 2
    assert result.stdout == ""
    assert not out.exists()
    assert result.stderr.startswith("$: cannot read the instance")
    assert "nowhere.json" in result.stderr


def test_a_directory_instead_of_a_file_exits_2(tmp_path: Path):
    result = run("schedule", tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("$: cannot read the instance")


def test_a_time_limit_that_is_not_positive_is_refused(tmp_path: Path):
    out = tmp_path / "plan.json"
    result = run("schedule", write(tmp_path, "i.json", small_instance()), "--time-limit", "0", "--out", out)
    assert result.returncode == 2
    assert not out.exists()


# --- valid instances: exit 0, the plan on stdout or in --out, byte for byte reproducible -----------------------


@pytest.mark.parametrize("solver", ["greedy", "cpsat"])
def test_a_valid_instance_gives_a_plan_on_stdout_or_in_the_out_file(tmp_path: Path, solver: str):
    doc = small_instance()
    path = write(tmp_path, "instance.json", doc)
    printed = run("schedule", path, "--solver", solver, "--time-limit", "2")
    assert printed.returncode == 0, printed.stderr
    plan = json.loads(printed.stdout)
    assert plan["format"] == "onconet-plan/2"  # version 2 reads version-1 instances and writes version-2 plans
    assert plan["solver"] == solver
    assert plan["status"] in ("optimal", "feasible")
    reference = run(
        "schedule", write(tmp_path, "domestic.json", without_foreign(doc)), "--solver", solver, "--time-limit", "2"
    )
    assert reference.returncode == 0, reference.stderr
    assert verify(doc, plan, json.loads(reference.stdout)) == []
    assert len(plan["assignments"]) + len(plan["rejected"]) == len(doc["courses"])
    assert printed.stderr.startswith(f"{plan['status']}: ")  # the one-line summary goes to stderr

    out = tmp_path / "plan.json"
    written = run("schedule", path, "--solver", solver, "--time-limit", "2", "--out", out)
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout


def test_the_instance_may_come_on_stdin():
    doc = small_instance()
    result = run("schedule", "-", "--solver", "greedy", stdin=json.dumps(doc))
    assert result.returncode == 0, result.stderr
    assert verify(doc, json.loads(result.stdout)) == []


def test_an_infeasible_plan_is_still_a_plan(tmp_path: Path):
    doc = small_instance()
    # Two courses under way, 200 minutes a day each, on G1's 300: the courses under way alone overload it.
    for cid in ("F-0100", "F-0101"):
        under_way = dict(doc["courses"][-1], id=cid, value=1)
        under_way["machines"] = ["G1"]
        under_way["fixed"] = {"machine": "G1", "start_date": "2026-01-02", "delivered": 1}
        under_way["first_minutes"] = under_way["minutes"] = 200
        doc["courses"].append(under_way)
    result = run("schedule", write(tmp_path, "i.json", doc), "--solver", "greedy")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert plan["guarantee"]["holds"] is True
    assert verify(doc, plan) == []


@pytest.mark.parametrize("solver", ["greedy", "cpsat"])
@pytest.mark.parametrize("which", ["generated S", "hand-written"])
def test_the_same_input_gives_the_same_bytes(tmp_path: Path, solver: str, which: str):
    if which == "generated S":
        path = write(tmp_path, "instance.json", generate("S", seed=7))
    else:
        path = write(tmp_path, "instance.json", small_instance())
    args = ("schedule", path, "--solver", solver, "--time-limit", "3", "--seed", "5")
    first, second = run(*args), run(*args)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["assignments"], "a plan with nothing in it proves little"


def test_schedule_generate_writes_a_valid_reproducible_instance(tmp_path: Path):
    printed = run("schedule-generate", "S", "--seed", "11")
    assert printed.returncode == 0, printed.stderr
    doc = json.loads(printed.stdout)
    assert doc == generate("S", seed=11)
    instance = parse_instance(doc)
    assert len(instance.courses) == 100
    assert {c.origin for c in instance.courses} == {"domestic", "foreign"}
    out = tmp_path / "s.json"
    written = run("schedule-generate", "S", "--seed", "11", "--out", out)
    assert written.returncode == 0
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert run("schedule-generate", "S", "--seed", "12").stdout != printed.stdout


def test_the_solver_package_does_not_import_django():
    code = (
        "import sys, json\n"
        "from onconet.scheduling.solver import cli, parse_instance, solve, verify\n"
        "from onconet.scheduling.solver.generate import generate\n"
        "doc = generate('S', seed=1)\n"
        "plan = solve(parse_instance(doc), 'greedy', 1, 0)\n"
        "assert not verify(doc, plan)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- an internal error: exit 1, nothing written -----------------------------------------------------------------


def test_an_internal_error_exits_1_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(solver_cli, "solve", broken)
    out = tmp_path / "plan.json"
    status = solver_cli.schedule([str(write(tmp_path, "i.json", small_instance())), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 1
    assert not out.exists()
    assert captured.out == ""
    assert "internal error" in captured.err
    assert "solver exploded" in captured.err


def test_in_process_the_exit_codes_are_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert solver_cli.schedule([str(write(tmp_path, "bad.json", invalid_instance()))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) >= 7
    assert solver_cli.schedule([str(write(tmp_path, "ok.json", small_instance())), "--solver", "greedy"]) == 0
    assert json.loads(capsys.readouterr().out)["solver"] == "greedy"

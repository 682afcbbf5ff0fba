"""`manage.py reconcile_scenario`: replays a match from a JSON scenario, refuses bad files with
exit 2 and one line (no traceback), and the worked examples in docs/matching.md stay true."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "matching.md"

SCENARIO = {
    "invoice": {
        "id": "INV-9",
        "net_total": "220.00",
        "tax_total": "28.60",
        "lines": [
            {
                "id": "1",
                "quantity": "100",
                "unit_price": "2.20",
                "amount": "220.00",
                "tax_rate": "0.13",
                "tax_amount": "28.60",
                "po_line_id": "P1",
            }
        ],
    },
    "po_lines": [{"id": "P1", "quantity": "100", "unit_price": "2.00", "tax_rate": "0.13"}],
    "receipt_lines": [
        {"id": "R1", "po_line_id": "P1", "receipt_date": "2026-03-01", "accepted_quantity": "100"}
    ],
}


def cli(*args, stdin=None):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "reconcile_scenario", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )


@pytest.fixture
def replay(tmp_path, capsys):
    """Run the command in-process on a scenario; returns the printed result."""

    def run(scenario) -> dict:
        path = tmp_path / "scenario.json"
        path.write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
        call_command("reconcile_scenario", str(path))
        return json.loads(capsys.readouterr().out)

    return run


def test_a_good_file_prints_the_result_as_json_with_the_default_policy(replay):
    result = replay(SCENARIO)

    assert result["verdict"] == "exception"
    assert result["policy_version"] == "global v1"
    assert result["allocations"] == [
        {"invoice_line_id": "1", "po_line_id": "P1", "receipt_line_id": "R1", "quantity": "100"}
    ]
    assert (
        "Unit price 2.20 is 0.20 CNY (10.00%) above the PO price 2.00"
        in result["lines"][0]["reasons"][0]["message"]
    )
    assert len(result["input_hash"]) == 64


def test_the_scenarios_own_policy_is_used(replay):
    lenient = {"version": "lenient 1"}
    for measure in ("unit_price", "line_amount", "invoice_total"):
        lenient[measure] = {"upper": {"percent": "15", "absolute": None}}
    result = replay({**SCENARIO, "policy": lenient})

    assert (result["verdict"], result["policy_version"]) == ("matched_within_tolerance", "lenient 1")


def test_the_same_scenario_gives_the_same_answer(replay):
    assert replay(SCENARIO) == replay(SCENARIO)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ("[]", "invalid scenario: the scenario must be a JSON object"),
        ('{"invoice": {"id": "X", "lines": []}}', "invalid scenario: invoice: 'net_total' is required"),
        (
            json.dumps(
                {**SCENARIO, "receipt_lines": [{**SCENARIO["receipt_lines"][0], "receipt_date": "1 March"}]}
            ),
            "invalid scenario: receipt_lines[0].receipt_date: '1 March' is not a date (YYYY-MM-DD)",
        ),
        (
            json.dumps({**SCENARIO, "po_lines": [{**SCENARIO["po_lines"][0], "unit_price": 2.0}]}),
            "invalid scenario: po_lines[0].unit_price: write numbers as strings",
        ),
        (
            json.dumps({**SCENARIO, "po_lines": SCENARIO["po_lines"] * 2}),
            "invalid scenario: two PO lines have the id 'P1'",
        ),
    ],
    ids=["not-json", "not-an-object", "missing-total", "bad-date", "float", "duplicate-id"],
)
def test_a_bad_file_exits_2_with_one_clear_line_and_no_traceback(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    done = cli(str(path))

    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_a_missing_file_exits_2(tmp_path):
    done = cli(str(tmp_path / "nothing.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr


def test_standard_input_works_as_well():
    done = cli("-", stdin=json.dumps(SCENARIO))
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "exception"


def _blocks(kind: str) -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    return dict(re.findall(rf"<!-- {kind}: (\w+) -->\n```json\n(.*?)\n```", text, re.S))


def test_the_worked_examples_in_the_docs_give_the_documented_results(replay):
    scenarios, outputs = _blocks("scenario"), _blocks("output")
    assert len(scenarios) >= 2 and scenarios.keys() == outputs.keys()
    for name, text in scenarios.items():
        result = replay(json.loads(text))
        documented = json.loads(outputs[name])
        assert result["verdict"] == documented["verdict"], name
        assert result["allocations"] == documented["allocations"], name
        assert result["policy_version"] == documented["policy_version"], name
        if "lines" in documented:
            assert [[r["code"] for r in line["reasons"]] for line in result["lines"]] == [
                [r["code"] for r in line["reasons"]] for line in documented["lines"]
            ], name
            assert [r["code"] for r in result["reasons"]] == [r["code"] for r in documented["reasons"]], name


@pytest.mark.django_db
def test_a_database_invoice_dumps_to_a_scenario_that_replays_to_its_stored_result(
    capsys, replay, buyer, supplier_a
):
    entity = LegalEntityFactory()
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    receive(buyer, po, {po_lines(po)[0]: 60})
    invoice = make_invoice(supplier_a, entity, [line("螺栓 M8", 100, "2.00")])
    stored = invoice_match(invoice_id=invoice.pk)

    call_command("reconcile_scenario", "--dump-invoice", str(invoice.pk))
    scenario = json.loads(capsys.readouterr().out)
    replayed = replay(scenario)

    assert replayed["verdict"] == stored.verdict == "exception"
    assert replayed["input_hash"] == stored.input_hash
    assert replayed["allocations"] == stored.explanation["allocations"]

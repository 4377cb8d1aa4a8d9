"""The fast eval subset (cases tagged ci: true in eval/questions.yaml and the blind sets)
through the public API on fresh demo data.

Expected answers come from independent SQL (scripts/eval_expectations.py); fails below 95%.
"""

from __future__ import annotations

import pytest

from scripts.eval import load_cases, report, run_eval

pytestmark = pytest.mark.ai


async def test_eval_subset_accuracy_is_at_least_95_percent() -> None:
    cases = [case for case in load_cases() if case.ci]
    assert 30 <= len(cases) <= 80
    assert any(case.id.startswith("b-") for case in cases)  # the blind set's hardest cases too
    assert any(case.id.startswith("b3-") for case in cases)  # and the second blind set's
    assert any(case.id.startswith("b4-") for case in cases)  # and the third's
    outcomes = await run_eval(cases, database_url=None, items=600, seed=42, verbose=False)
    accuracy = report(outcomes)
    failures = [
        f"{o.case.id}: {o.answer[:200]} (missing {o.missing}, intent {o.intent})"
        for o in outcomes
        if not o.passed
    ]
    assert accuracy >= 0.95, "\n".join(failures)

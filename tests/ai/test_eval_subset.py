"""The fast eval subset (cases tagged ci: true in eval/questions.yaml and eval/questions_blind.yaml)
through the public API on fresh demo data.

Expected answers come from independent SQL (scripts/eval_expectations.py); fails below 95%.
"""

from __future__ import annotations

import pytest

from scripts.eval import load_cases, report, run_eval

pytestmark = pytest.mark.ai


async def test_eval_subset_accuracy_is_at_least_95_percent() -> None:
    cases = [case for case in load_cases() if case.ci]
    assert 30 <= len(cases) <= 60
    assert any(case.id.startswith("b-") for case in cases)  # the blind set's hardest cases too
    outcomes = await run_eval(cases, database_url=None, items=600, seed=42, verbose=False)
    accuracy = report(outcomes)
    failures = [
        f"{o.case.id}: {o.answer[:200]} (missing {o.missing}, intent {o.intent})"
        for o in outcomes
        if not o.passed
    ]
    assert accuracy >= 0.95, "\n".join(failures)

"""The engine understands classes of questions, not memorised ones: no run of four or more words
of any eval question (development or held-out) occurs in the engine's code or lexicon."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from domains.ai.understanding.normalize import tokenize

ROOT = Path(__file__).resolve().parents[2]
ENGINE = [ROOT / "domains/ai/understanding", ROOT / "domains/ai/providers/builtin"]
RUN = 4


def _runs(text: str) -> set[tuple[str, ...]]:
    # identifiers (average_profit_per_pair) are names in code, not phrases: they count as one word
    text = re.sub(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+", "identifier", text)
    words = [t.text for t in tokenize(text) if t.text.isalnum()]
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def _questions() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "eval").rglob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out += [str(t) for t in case.get("turns") or [case["ask"]]]
    return out


def test_no_eval_question_is_written_into_the_engine() -> None:
    questions = _questions()
    assert len(questions) > 500  # the eval sets are there to compare with
    asked: dict[tuple[str, ...], str] = {}
    for question in questions:
        for run in _runs(question):
            asked.setdefault(run, question)
    found = []
    for folder in ENGINE:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".toml"):
                for run in _runs(path.read_text(encoding="utf-8")) & asked.keys():
                    found.append(f"{path.relative_to(ROOT)}: {' '.join(run)!r}")
    assert not found, "eval phrases written into the engine:\n" + "\n".join(sorted(found))


def test_the_check_sees_a_copied_phrase() -> None:
    """The check itself works: a question copied into code is caught."""
    code = 'PHRASES = ["which jordans have sat unsold"]'
    assert _runs(code) & _runs("Which Jordans have sat unsold for more than 60 days?")

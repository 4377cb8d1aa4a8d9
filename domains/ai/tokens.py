"""Offline token counting: how many tokens a text or a chat prompt costs, without network.

tiktoken downloads its vocabularies on first use, which fails on a machine without
internet. The official cl100k_base and o200k_base rank files ship with this package
(domains/ai/vocabularies/, 2.5 MB gzipped); we check them against the SHA-256 that tiktoken
itself pins and hand them to tiktoken, so counts are exactly tiktoken's. Only if a rank file
is missing or fails that check do we fall back to a calibrated characters-per-token heuristic.

Claude's tokenizer is not public: for Anthropic models we count with cl100k_base, which
is close for English and German business text (Anthropic bills from its own count, which
is what the provider reports as usage; these numbers are for budgeting).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import tiktoken

from domains.ai.tool_schema import compact_schema

logger = logging.getLogger(__name__)

# tiktoken's pinned hashes of the decompressed rank files (tiktoken_ext/openai_public.py).
_RANK_FILE_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
# Split patterns and special tokens as tiktoken defines them (tiktoken_ext/openai_public.py).
_PATTERNS = {
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
_SPECIAL_TOKENS = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}

# Chat framing per message, as in OpenAI's cookbook for gpt-3.5/4/4o: each message costs
# 3 tokens of framing, a `name` one more, and every reply is primed with 3 tokens.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3

# Heuristic (only when no encoder loads): BPE-like pieces - a letter run is one token per
# 8 letters, a 1-3 digit group one token, a punctuation run one per 3 characters, line
# breaks one. Measured against o200k_base: within 10% on prompts over 1,000 characters
# (system prompt, tool schemas, docs), within 35% on single sentences.
_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]+|\s+")
_LETTERS_PER_TOKEN = 8
_PUNCTUATION_PER_TOKEN = 3


class _Encoder(Protocol):
    def encode(self, text: str, *, disallowed_special: Any = ...) -> list[int]: ...


# The shapes counted, as protocols: the providers (which import this module) define the concrete
# ChatTurn and ToolSpec, and the token counter must not import them back.
class ChatTurnLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def content(self) -> str: ...


class ToolSpecLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...


TurnT = TypeVar("TurnT", bound=ChatTurnLike)


def encoding_name_for_model(model: str | None) -> str:
    """The BPE vocabulary a model uses; o200k_base for current and unknown models."""
    name = (model or "").lower().rsplit("/", 1)[-1]
    if name.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss")):
        return "o200k_base"
    if name.startswith(("gpt-4", "gpt-3.5", "gpt-35", "text-embedding", "claude")):
        return "cl100k_base"
    return "o200k_base"


# The rank files as tiktoken publishes them (openaipublic.blob.core.windows.net/encodings), gzipped.
VOCABULARY_DIR = Path(__file__).resolve().parent / "vocabularies"


def _rank_bytes(encoding_name: str) -> bytes | None:
    """The decompressed rank file shipped with this package, verified against tiktoken's hash."""
    path = VOCABULARY_DIR / f"{encoding_name}.tiktoken.gz"
    if not path.is_file():
        return None
    raw = gzip.decompress(path.read_bytes())
    if hashlib.sha256(raw).hexdigest() != _RANK_FILE_SHA256[encoding_name]:
        logger.warning("token rank file %s does not match tiktoken's pinned hash", encoding_name)
        return None
    return raw


def _tiktoken_encoder(encoding_name: str) -> _Encoder | None:
    raw = _rank_bytes(encoding_name)
    if raw is None:
        return None
    ranks: dict[bytes, int] = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    encoding: _Encoder = tiktoken.Encoding(
        name=encoding_name,
        pat_str=_PATTERNS[encoding_name],
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL_TOKENS[encoding_name],
    )
    return encoding


@lru_cache(maxsize=4)
def _encoder(encoding_name: str) -> tuple[str, _Encoder | None]:
    """(backend name, encoder); loaded once per vocabulary, ~0.3 s for o200k."""
    try:
        encoder = _tiktoken_encoder(encoding_name)
    except Exception:  # a damaged vocabulary file must not break counting
        logger.warning("token encoder tiktoken/%s failed to load", encoding_name, exc_info=True)
        encoder = None
    if encoder is not None:
        return "tiktoken", encoder
    logger.warning("no BPE encoder available; token counts are estimates")
    return "heuristic", None


def preload(models: Sequence[str | None] = (None,)) -> None:
    """Load the vocabularies now (about 1 s for o200k) instead of on the first request."""
    for model in models:
        _encoder(encoding_name_for_model(model))


def token_backend(model: str | None = None) -> str:
    """Which counter is in use: 'tiktoken' (exact) or 'heuristic' (a vocabulary file is damaged)."""
    return _encoder(encoding_name_for_model(model))[0]


def _heuristic_count(text: str) -> int:
    count = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        first = piece[0]
        if first.isspace():
            count += 1 if ("\n" in piece or len(piece) > 1) else 0
        elif first.isdigit():
            count += 1
        elif first.isalpha():
            count += math.ceil(len(piece) / _LETTERS_PER_TOKEN)
        else:
            count += math.ceil(len(piece) / _PUNCTUATION_PER_TOKEN)
    return count


# Short texts are counted once per process: the same recalled snippets, fact lines and questions
# come back turn after turn (memory recall counts up to 40 snippets against its budget per turn).
_CACHED_TEXT_CHARS = 1000


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens in `text` for `model`'s vocabulary. Special-token strings count as plain text."""
    if not text:
        return 0
    encoding = encoding_name_for_model(model)
    if len(text) <= _CACHED_TEXT_CHARS:
        return _count_short(text, encoding)
    return _count(text, encoding)


@lru_cache(maxsize=8192)
def _count_short(text: str, encoding: str) -> int:
    return _count(text, encoding)


def _count(text: str, encoding: str) -> int:
    _, encoder = _encoder(encoding)
    if encoder is None:
        return _heuristic_count(text)
    return len(encoder.encode(text, disallowed_special=()))


def _message_fields(message: ChatTurnLike | Mapping[str, Any]) -> list[str]:
    if not isinstance(message, Mapping):
        return [message.role, message.content]
    fields: list[str] = []
    for value in message.values():
        if value is None:
            continue
        if isinstance(value, str):
            fields.append(value)
        else:  # tool calls, content blocks: count their JSON
            fields.append(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
    return fields


def count_message_tokens(
    messages: Sequence[ChatTurnLike | Mapping[str, Any]], model: str | None = None
) -> int:
    """Prompt tokens of a chat request's messages (OpenAI chat framing included)."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        total += TOKENS_PER_MESSAGE
        if isinstance(message, Mapping) and "name" in message:
            total += TOKENS_PER_NAME
        total += sum(count_tokens(field, model) for field in _message_fields(message) if field)
    return total


def count_tool_tokens(specs: Sequence[ToolSpecLike], model: str | None = None) -> int:
    """Approximate prompt tokens of tool definitions, counted as the (compacted) JSON we send.

    OpenAI renders tools into the prompt in an undocumented format that is a little
    shorter than the JSON; this errs on the high side, which is the safe side for a budget.
    """
    if not specs:
        return 0
    payload = [
        {
            "type": "function",
            "function": {
                "name": s.name,
                "description": s.description,
                "parameters": compact_schema(s.parameters),
            },
        }
        for s in specs
    ]
    return count_tokens(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), model)


def trim_history(
    turns: Sequence[TurnT], max_tokens: int, model: str | None = None, *, keep_last: bool = True
) -> list[TurnT]:
    """The newest turns that fit in `max_tokens` (oldest first, in the original order).

    With keep_last the last turn (the question being asked) is kept even when it alone is
    over budget: dropping it would answer a different question.
    """
    kept: list[TurnT] = []
    used = 0
    for index, turn in enumerate(reversed(turns)):
        cost = TOKENS_PER_MESSAGE + count_tokens(turn.content, model)
        if used + cost > max_tokens and not (keep_last and index == 0):
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    return kept


# ---- prompt size report for `make bench` ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionTokens:
    question: str
    tools_approach: int  # system prompt + tool schemas + compact context + question
    context_dump_approach: int  # system prompt + the whole pasted context + question

    @property
    def saved_pct(self) -> float | None:
        if self.context_dump_approach == 0:
            return None
        return round((1 - self.tools_approach / self.context_dump_approach) * 100, 1)


@dataclass(frozen=True, slots=True)
class PromptTokenReport:
    model: str
    backend: str  # the token counter used: tiktoken / heuristic
    system_prompt_tokens: int
    tool_schema_tokens: int
    rows: list[QuestionTokens]

    @property
    def mean_tools_approach(self) -> float:
        return sum(r.tools_approach for r in self.rows) / len(self.rows) if self.rows else 0.0

    @property
    def mean_context_dump_approach(self) -> float:
        return sum(r.context_dump_approach for r in self.rows) / len(self.rows) if self.rows else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "token_counter": self.backend,
            "system_prompt_tokens": self.system_prompt_tokens,
            "tool_schema_tokens": self.tool_schema_tokens,
            "mean_prompt_tokens_tools": round(self.mean_tools_approach, 1),
            "mean_prompt_tokens_context_dump": round(self.mean_context_dump_approach, 1),
            "questions": [
                {
                    "question": r.question,
                    "tools": r.tools_approach,
                    "context_dump": r.context_dump_approach,
                    "saved_pct": r.saved_pct,
                }
                for r in self.rows
            ],
        }


def prompt_token_report(
    questions: Sequence[str],
    *,
    system_prompt: str,
    tool_specs: Sequence[ToolSpecLike],
    full_context: str | Callable[[str], str],
    compact_context: str | Callable[[str], str | None] | None = None,
    context_dump_system_prompt: str | None = None,
    model: str = "gpt-4o-mini",
) -> PromptTokenReport:
    """Prompt tokens of the FIRST request per question, for two ways of grounding a model.

    tools approach (ours): system prompt + tool schemas + optional compact context + question;
    the model fetches figures with tool calls (their results add tokens on later steps,
    which this report does not include).
    context dump (the integration plan): system prompt + the whole inventory/analytics
    context pasted into every prompt + question, no tools.
    `full_context` / `compact_context` may be a function of the question (intent-based).
    """
    dump_system = context_dump_system_prompt if context_dump_system_prompt is not None else system_prompt
    tool_tokens = count_tool_tokens(tool_specs, model)
    rows: list[QuestionTokens] = []
    for question in questions:
        compact = compact_context(question) if callable(compact_context) else compact_context
        full = full_context(question) if callable(full_context) else full_context
        ours_system = f"{system_prompt}\n\n{compact}" if compact else system_prompt
        ours = count_message_tokens(
            [{"role": "system", "content": ours_system}, {"role": "user", "content": question}], model
        )
        dump = count_message_tokens(
            [
                {"role": "system", "content": f"{dump_system}\n\n{full}"},
                {"role": "user", "content": question},
            ],
            model,
        )
        rows.append(
            QuestionTokens(question=question, tools_approach=ours + tool_tokens, context_dump_approach=dump)
        )
    return PromptTokenReport(
        model=model,
        backend=token_backend(model),
        system_prompt_tokens=count_tokens(system_prompt, model),
        tool_schema_tokens=tool_tokens,
        rows=rows,
    )


def rough_tokens(text: str) -> int:
    """The heuristic alone (no encoder); exposed so callers and tests can compare."""
    return _heuristic_count(text)

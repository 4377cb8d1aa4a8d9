"""Full-text search objects of memory recall, created by migration 0003 per dialect.

PostgreSQL: GIN expression indexes over to_tsvector('simple', ...) (the 'simple'
configuration: no stemming, no stop words, so English and German text index alike), and
ai_messages.fts_document, each message's parsed document stored with it (migration 0011).
SQLite: FTS5 tables with external content, kept in sync by triggers.

They are not in SQLAlchemy's metadata; `include_object` tells Alembic's autogenerate to
ignore them (and Memori's own tables, which Memori creates and migrates itself).
"""

from __future__ import annotations

from typing import Any

TS_CONFIG = "simple"
FACTS_FTS_TABLE = "fts_ai_memory_facts"  # SQLite FTS5 over ai_memory_facts.text
MESSAGES_FTS_TABLE = "fts_ai_messages"  # SQLite FTS5 over ai_messages.content
MESSAGES_DOCUMENT_COLUMN = "fts_document"  # PostgreSQL: to_tsvector of ai_messages.content, stored
FTS_PREFIX = "fts_"  # FTS5 tables and their shadow tables (fts_x_data, fts_x_idx, ...); stored documents
FTS_INDEX_PREFIX = "ix_fts_"  # PostgreSQL GIN expression indexes
MEMORI_TABLE_PREFIX = "memori_"  # tables of the opt-in Memori backend


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: skip the FTS objects and Memori's tables when comparing schema to models."""
    if name is None:
        return True
    if type_ == "table" and name.startswith((FTS_PREFIX, MEMORI_TABLE_PREFIX)):
        return False
    if type_ == "column" and name.startswith(FTS_PREFIX):
        return False
    return not (type_ == "index" and name.startswith(FTS_INDEX_PREFIX))

"""The opt-in Memori backend with the real Memori SDK on the same database.

No network: Memori is only registered on a client (no model call is made), and the rows
that its augmentation would write are written through Memori's own storage driver.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.ai.memory import service
from domains.ai.memory.factory import build_memory
from domains.ai.memory.memori_backend import (
    MemoriMemory,
    connection_factory,
    ensure_memori_tables,
    wait_for_memori_writes,
)
from domains.auth.models import User
from shared.config.settings import Settings
from tests.ai.memori_requirements import need
from tests.factories import make_user

memori = need("memori")
openai = need("openai")


def memori_settings(app: FastAPI) -> Settings:
    return app.state.settings.model_copy(update={"MEMORI_ENABLED": True, "AI_MEMORY_BACKEND": "memori"})


def write_memori_rows(settings: Settings, user_id: uuid.UUID, fact: str) -> None:
    """What Memori's augmentation stores for a user: its entity and a fact, via Memori's driver."""
    mem = memori.Memori(conn=connection_factory(settings))
    try:
        driver = mem.config.storage.driver
        driver.entity.create(str(user_id))
        entity_id = driver.entity.create(str(user_id))
        if not isinstance(entity_id, int):
            conn = connection_factory(settings)()
            entity_id = conn.execute(
                "SELECT id FROM memori_entity WHERE external_id = "
                + ("%s" if hasattr(conn, "info") else "?"),
                (str(user_id),),
            ).fetchone()[0]
            conn.close()
        driver.entity_fact.create(entity_id, [fact], fact_embeddings=[[0.0] * 384])
        mem.config.storage.adapter.commit()
    finally:
        mem.close()
        mem.config.thread_pool_executor.shutdown(wait=False)


async def test_memori_is_registered_per_request_and_cleaned_up(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    settings = memori_settings(clean_app)
    memory = build_memory(db, settings)
    assert isinstance(memory, MemoriMemory) and memory.name == "memori"
    client = openai.AsyncOpenAI(api_key="test", base_url="http://127.0.0.1:9/v1")

    async with memory.attached(client, user_id=user.id) as mem:
        assert mem.config.entity_id == str(user.id)
        assert mem.config.process_id == "soleflip-assistant"
        # The same client on a second instance would share Memori's state: refused.
        with pytest.raises(RuntimeError):
            async with memory.attached(client, user_id=user.id):
                pass
    assert await wait_for_memori_writes(10.0)  # closing runs after the answer, in the background
    assert mem.config.thread_pool_executor._shutdown  # the leaked pool is closed

    # Typed facts still come from our extraction, so tool defaults work with Memori on.
    saved = await memory.observe_user_message(
        user_id=user.id, conversation_id=uuid.uuid4(), text="treat 90 days as dead stock", language="en"
    )
    assert [f.value for f in saved] == [90]
    context = await memory.load(user_id=user.id, query="dead stock", token_budget=300)
    assert context.settings == {"dead_stock_days": 90}


async def test_status_export_and_clear_cover_memoris_tables(
    clean_app: FastAPI, db: AsyncSession, user: User
) -> None:
    settings = memori_settings(clean_app)
    other = await make_user(db, email="other@example.com")
    await db.commit()
    ensure_memori_tables(settings)
    write_memori_rows(settings, user.id, "User prefers selling on GOAT")
    write_memori_rows(settings, other.id, "Other user buys Yeezys")

    status = await service.memory_status(session=db, settings=settings, user_id=user.id)
    assert status.backend == "memori" and status.memori is not None and status.memori["facts"] == 1
    export = await service.export_memory(session=db, settings=settings, user_id=user.id)
    assert [f["content"] for f in export["memori"]["facts"]] == ["User prefers selling on GOAT"]

    await service.clear_memory(session=db, settings=settings, user_id=user.id)
    await db.commit()
    after = await service.memory_status(session=db, settings=settings, user_id=user.id)
    theirs = await service.memory_status(session=db, settings=settings, user_id=other.id)
    assert after.memori == {"sessions": 0, "conversations": 0, "messages": 0, "facts": 0}
    assert theirs.memori is not None and theirs.memori["facts"] == 1
    await service.clear_memory(session=db, settings=settings, user_id=other.id)
    await db.commit()

"""User management for the owner: `python -m domains.auth.cli create-user EMAIL [--owner]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os

from domains.auth.service import AuthService
from shared.config.settings import Settings
from shared.database.engine import create_engine, create_sessionmaker


async def _create(email: str, password: str, owner: bool) -> None:
    settings = Settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await AuthService(session, settings).ensure_user(
                email=email, password=password, is_owner=owner
            )
            await session.commit()
            print(f"user {user.email} ready (owner={user.is_owner})")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create a user, or reset the password of an existing one")
    create.add_argument("email")
    create.add_argument("--owner", action="store_true", help="may create other users")
    args = parser.parse_args()
    password = os.environ.get("SOLEFLIP_PASSWORD") or getpass.getpass("password: ")
    if len(password) < 8:
        parser.error("password must have at least 8 characters")
    asyncio.run(_create(args.email, password, args.owner))


if __name__ == "__main__":
    main()

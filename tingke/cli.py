"""The ``tingke`` command: run everything, or one plane, migrate, seed the demo, create users."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from tingke.settings import get_settings, reset_settings


def _apply_common(args: argparse.Namespace) -> None:
    """Turn command-line options into TINGKE_* variables so child processes see the same settings."""
    for option, var in (("host", "TINGKE_HOST"), ("port", "TINGKE_PORT"), ("data_dir", "TINGKE_DATA_DIR")):
        value = getattr(args, option, None)
        if value is not None:
            os.environ[var] = str(value)
    reset_settings()
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def cmd_migrate(_: argparse.Namespace) -> int:
    from models.db import session_scope
    from models.default_rubric import ensure_default_rubric
    from models.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    with session_scope(settings.db_url) as session:
        ensure_default_rubric(session)
    print(f"database migrated: {settings.db_url.split('@')[-1]}")
    return 0


def cmd_seed_demo(_: argparse.Namespace) -> int:
    from models.db import session_scope
    from tingke.demo import seed_demo

    with session_scope(get_settings().db_url) as session:
        users = seed_demo(session)
    print(f"demo community ready ({len(users)} people); password: {get_settings().demo_password}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from api.errors import APIError
    from api.users.schemas import UserIn
    from api.users.service import create_user
    from models.db import session_scope

    password = args.password or os.environ.get("TINGKE_NEW_PASSWORD")
    if not password:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    try:
        data = UserIn(username=args.username, display_name=args.name or args.username, password=password,
                      role=args.role, school_id=args.school_id, subject=args.subject)
        with session_scope(get_settings().db_url) as session:
            user, _ = create_user(session, None, data)
            print(f"created user {user.username} (id {user.id}, {user.role.value})")
    except APIError as exc:
        print(f"tingke: {exc.message}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"tingke: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_api(_: argparse.Namespace) -> int:
    import uvicorn

    s = get_settings()
    uvicorn.run("api.app:create_app", factory=True, host=s.host, port=s.port, log_level=s.log_level.lower(),
                proxy_headers=True)
    return 0


def cmd_relay(_: argparse.Namespace) -> int:
    from streaming.server import serve

    s = get_settings()
    serve(s.relay_host, s.relay_port)
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    from workers.app import run_worker

    return run_worker()


def cmd_run(args: argparse.Namespace) -> int:
    from tingke.runner import banner, child_env, run_all

    if cmd_migrate(args):
        return 1
    if args.demo:
        cmd_seed_demo(args)
    print(banner(args.demo), flush=True)
    return run_all(child_env({}))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tingke", description="tingke 听课: lesson observation platform")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: object, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", help="folder for the database, media and keys (TINGKE_DATA_DIR)")
        p.set_defaults(func=func)
        return p

    run = add("run", cmd_run, "migrate, then serve API, relay and worker together")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument("--demo", action="store_true", help="seed the demo community first")
    api = add("api", cmd_api, "serve the API and pages")
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    add("relay", cmd_relay, "serve the WebRTC relay (WHIP/WHEP)")
    add("worker", cmd_worker, "run a processing worker")
    add("migrate", cmd_migrate, "create or upgrade the database schema")
    add("seed-demo", cmd_seed_demo, "create the demo community")
    cu = add("create-user", cmd_create_user, "create a user (password from --password, TINGKE_NEW_PASSWORD or stdin)")
    cu.add_argument("username")
    cu.add_argument("--name")
    cu.add_argument("--role", default="teacher", choices=["admin", "researcher", "school_admin", "teacher"])
    cu.add_argument("--school-id", type=int)
    cu.add_argument("--subject")
    cu.add_argument("--password")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _apply_common(args)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

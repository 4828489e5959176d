"""The ``tingke`` command: run everything, or one plane, migrate, seed the demo, create users."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from tingke import logs
from tingke.settings import get_settings, reset_settings


def _apply_common(args: argparse.Namespace) -> None:
    """Turn command-line options into TINGKE_* variables so child processes see the same settings."""
    for option, var in (("host", "TINGKE_HOST"), ("port", "TINGKE_PORT"), ("data_dir", "TINGKE_DATA_DIR")):
        value = getattr(args, option, None)
        if value is not None:
            os.environ[var] = str(value)
    reset_settings()
    logs.configure(get_settings().log_level, get_settings().log_format)
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
    from tingke.entry.demo import seed_demo

    with session_scope(get_settings().db_url) as session:
        users = seed_demo(session)
    print(f"demo community ready ({len(users)} people); password: {get_settings().demo_password}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild the library search index (after a restore, or for lessons made outside the API)."""
    from models.db import session_scope
    from models.search_index import index_lesson, reindex_all

    with session_scope(get_settings().db_url) as session:
        if args.lesson_ids:
            count = sum(1 for lesson_id in args.lesson_ids if index_lesson(session, lesson_id) >= 0)
        else:
            count = reindex_all(session)
    print(f"indexed {count} lesson(s)")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from api.errors import APIError
    from api.users.schemas import UserIn
    from api.users.service import create_user, school_by_name
    from models.db import session_scope

    password = args.password or os.environ.get("TINGKE_NEW_PASSWORD")
    if not password:
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    try:
        with session_scope(get_settings().db_url) as session:
            school_id = args.school_id
            if args.school:
                school_id = school_by_name(session, args.school).id
            data = UserIn(username=args.username, display_name=args.name or args.username, password=password,
                          role=args.role, school_id=school_id, subject=args.subject)
            user, _ = create_user(session, None, data)
            print(f"created user {user.username} (id {user.id}, {user.role.value})")
    except APIError as exc:
        print(f"tingke: {exc.message}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"tingke: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_users_import(args: argparse.Namespace) -> int:
    """Preview a district office's spreadsheet; write it only with --yes (or a "y" at the prompt)."""
    from pathlib import Path

    from api.errors import APIError
    from api.imports import service
    from models.db import session_scope

    path = Path(args.file)
    if not path.is_file():
        print(f"tingke: no such file: {path}", file=sys.stderr)
        return 2
    data = path.read_bytes()
    status_zh = {"created": "新建", "updated": "更新", "unchanged": "不变", "error": "错误"}
    try:
        with session_scope(get_settings().db_url) as session:
            rows = service.plan(session, None, args.kind, data, path.name)
        counts = {k: sum(1 for r in rows if r.status == k) for k in status_zh}
        for row in rows:
            if row.status != "unchanged" or args.verbose:
                detail = row.message or "；".join(f"{k}：{a} → {b}" if a not in (None, "") else f"{k}：{b}"
                                                 for k, (a, b) in row.changes.items())
                print(f"第 {row.number} 行\t{status_zh[row.status]}\t{row.label}\t{detail}")
        print("新建 {created}，更新 {updated}，不变 {unchanged}，错误 {error}".format(**counts))
        if counts["created"] + counts["updated"] == 0:
            print("nothing to write")
            return 1 if counts["error"] else 0
        if not args.yes:
            if not sys.stdin.isatty():
                print("nothing written: run again with --yes to write these rows")
                return 0
            if input("写入以上内容？[y/N] ").strip().lower() not in ("y", "yes", "是"):
                print("nothing written")
                return 0
        with session_scope(get_settings().db_url) as session:
            outcome = service.apply(session, None, args.kind, data, path.name)
    except APIError as exc:
        print(f"tingke: {exc.message}", file=sys.stderr)
        return 2
    print("written: 新建 {created}，更新 {updated}".format(**outcome.counts()))
    if outcome.passwords:
        print("one-time passwords (shown once; each must be changed at the first sign-in):")
        print("姓名,用户名,一次性密码")
        for item in outcome.passwords:
            print(f"{item['name']},{item['username']},{item['password']}")
    return 0


def cmd_users_reset_password(args: argparse.Namespace) -> int:
    """A new password for a person named by user name, 工号 or phone; their sessions end."""
    from api.errors import APIError
    from api.users import service
    from models.db import session_scope

    password = args.password or os.environ.get("TINGKE_NEW_PASSWORD") or None
    try:
        with session_scope(get_settings().db_url) as session:
            user = service.find_by_name(session, args.name)
            new = service.reset_password(session, None, user.id, password)
            print(f"password of {user.username} reset; every session of theirs is signed out")
            if password is None:
                print(f"one-time password (to change at the next sign-in): {new}")
    except APIError as exc:
        print(f"tingke: {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_api(_: argparse.Namespace) -> int:
    import uvicorn

    s = get_settings()
    # our handlers (tingke/logs.py) in every worker process; in JSON mode our access line, with request ids
    uvicorn.run("api.app:create_app", factory=True, host=s.host, port=s.port, log_level=s.log_level.lower(),
                proxy_headers=True, log_config=logs.dict_config(s.log_level, s.log_format),
                access_log=s.log_format != "json", workers=s.api_workers)
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
    from tingke.entry.runner import banner, child_env, run_all

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
    reindex = add("reindex", cmd_reindex, "rebuild the library search index")
    reindex.add_argument("lesson_ids", nargs="*", type=int, help="lessons to re-index (default: all)")
    cu = add("create-user", cmd_create_user, "create a user (password from --password, TINGKE_NEW_PASSWORD or stdin)")
    cu.add_argument("username")
    cu.add_argument("--name")
    cu.add_argument("--role", default="teacher", choices=["admin", "researcher", "school_admin", "teacher"])
    cu.add_argument("--school-id", type=int)
    cu.add_argument("--school", help="the school's name, as people write it")
    cu.add_argument("--subject")
    cu.add_argument("--password")
    users = sub.add_parser("users", help="people: bulk import, password reset")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    imp = users_sub.add_parser("import", help="import people, schools or assignments from .xlsx or .csv")
    imp.add_argument("--data-dir", help="folder for the database, media and keys (TINGKE_DATA_DIR)")
    imp.add_argument("file")
    imp.add_argument("--kind", default="people", choices=["people", "schools", "assignments"])
    imp.add_argument("--yes", action="store_true", help="write without asking (after the preview)")
    imp.add_argument("--verbose", action="store_true", help="list unchanged rows too")
    imp.set_defaults(func=cmd_users_import)
    reset = users_sub.add_parser("reset-password", help="reset a password (user name, 工号 or phone)")
    reset.add_argument("--data-dir", help="folder for the database, media and keys (TINGKE_DATA_DIR)")
    reset.add_argument("name")
    reset.add_argument("--password", help="the new password; default: a one-time password, printed")
    reset.set_defaults(func=cmd_users_reset_password)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _apply_common(args)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""Library search benchmark: p50/p95 of GET /api/search's service on a generated 5,000-lesson library.

The library is generated (synthetic Mandarin classroom transcripts, ~7,000 characters per lesson, in
~25-character segments with times) into a migrated database, then indexed through the real write path
(``models.search_index.index_lesson``). Queries of 1, 2, 3, 4 characters and multi-word queries
run through ``api.library.service.search`` (match + rank + access rules + hits with snippets, limit 20)
for a teacher (community visibility) and an admin (everything visible). Baseline, same run: a plain
``LIKE '%word%'`` scan over the same raw text (what a naive implementation would do).

Usage: python bench/search.py [--lessons 5000] [--backends sqlite,postgres] [--rebuild]
The generated SQLite library is cached in bench/results/; the PostgreSQL one is rebuilt per run.
Target: p95 under 50 ms. Wall-clock figures include waiting for the CPU when other work runs (the load
average is recorded); for SQLite the process CPU time is also given, i.e. the latency on an idle core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

RESULTS = ROOT / "bench" / "results"

QUERIES = {
    "1char": ["问", "书", "圆", "光", "词", "电", "诗", "数"],
    "2char": ["提问", "板书", "分数", "课堂", "实验", "单词", "朗读", "方程"],
    "3char": ["提问题", "三角形", "显微镜", "同学们", "判别式", "叶绿体", "比喻句", "过去式"],
    "4char": ["课堂提问", "勾股定理", "光合作用", "小组合作", "修辞手法", "细节描写", "求根公式", "化学变化"],
    "multi": ["勾股定理 提问", "光合作用 叶绿体", "板书 小组合作", "古诗 意象 诗人", "一元二次方程 判别式",
              "reading 单词", "课堂提问 板书设计", "电路 串联 并联"],
}

# ---- the synthetic library ----------------------------------------------------------------------

TOPICS = {
    "数学": {"勾股定理": ["勾股定理", "直角三角形", "斜边", "直角边", "平方和"],
             "一元二次方程": ["一元二次方程", "判别式", "求根公式", "配方法", "方程的根"],
             "分数的意义": ["分数", "分母", "分子", "单位一", "平均分"],
             "圆的面积": ["圆的面积", "半径", "圆周率", "直径", "近似长方形"],
             "三角形的内角和": ["三角形", "内角和", "量角器", "锐角", "钝角"]},
    "语文": {"古诗二首": ["古诗", "意象", "诗人", "借景抒情", "诗句"],
             "修辞手法": ["比喻句", "拟人句", "排比", "修辞手法", "本体和喻体"],
             "写作指导": ["细节描写", "人物描写", "作文", "开头结尾", "提纲"],
             "生字教学": ["生字", "笔顺", "偏旁", "组词", "田字格"]},
    "英语": {"一般过去时": ["过去式", "动词", "yesterday", "规则变化", "不规则动词"],
             "单词与词组": ["单词", "词组", "拼写", "发音", "reading"],
             "情景对话": ["对话", "角色扮演", "语调", "跟读", "朗读"]},
    "科学": {"光合作用": ["光合作用", "叶绿体", "二氧化碳", "氧气", "淀粉"],
             "简单电路": ["电路", "电池", "小灯泡", "串联", "并联"],
             "物质的变化": ["物理变化", "化学变化", "溶解", "蒸发", "沉淀"],
             "显微镜下的细胞": ["显微镜", "细胞", "目镜", "物镜", "载玻片"]},
}
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"]
KINDS = ["ordinary", "ordinary", "ordinary", "open", "demonstration", "observation", "competition"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章云苏潘葛范彭郎鲁韦马"
NAMES = "子涵一诺欣怡梓轩浩宇雨桐博文思彤嘉豪佳琪晨曦俊杰诗琪天佑"
TEACHER = [
    "同学们，谁能说一说{t}是什么？", "{n}，你来回答，{t}和{u}有什么联系？", "大家想一想，为什么要学习{t}？",
    "我先提一个问题，{t}是怎么得到的？", "有没有同学想提问题？没关系，大胆地说。", "请大家看板书，今天的重点是{t}。",
    "下面我们小组合作，讨论一下{t}，时间三分钟。", "请把{t}这个词圈出来，记在笔记本上。", "今天我们学习{topic}。",
    "这节课我们主要学习了{topic}，重点是{t}和{u}。", "好，请坐，回答得很完整。", "大家一起朗读一遍。",
    "看课本第{k}页，找一找{t}在哪里。", "不对，再想一想，{u}是什么意思？", "我把{t}写在黑板上，注意板书的顺序。",
    "课堂提问要面向全体，后排的同学也要举手。", "请大家在练习本上完成第{k}题，{t}要写清楚。",
]
STUDENT = [
    "老师，我觉得{t}就是{u}。", "我认为{t}和{u}是有关系的。", "老师，我想提问题，{t}为什么是这样的？",
    "我不太明白{u}。", "我们小组发现{t}的规律是每次增加{k}。", "是{t}！", "我同意{n}的看法。",
    "我觉得答案是{k}。", "可以用{u}的方法来做。",
]
FILLER = ["嗯", "啊", "那个", "就是说", "然后呢", "对吧", "好", "这个"]
COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
          "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
          "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气"
          "第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及"
          "管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据")


def _sentence(rng: random.Random, topic: str, terms: list[str]) -> str:
    pick = rng.random()
    if pick < 0.22:  # background talk: a large, Zipf-like vocabulary like real speech
        words = ["".join(rng.choice(COMMON[: rng.choice((60, 200, len(COMMON)))]) for _ in range(rng.choice((2, 2, 3))))
                 for _ in range(rng.randint(4, 9))]
        return "".join(words) + "。"
    template = rng.choice(TEACHER if pick < 0.75 else STUDENT)
    line = template.format(t=rng.choice(terms), u=rng.choice(terms), topic=topic, k=rng.randint(2, 60),
                           n=rng.choice(SURNAMES) + rng.choice(NAMES) + rng.choice(NAMES))
    return (rng.choice(FILLER) + "，" if rng.random() < 0.3 else "") + line


def generate_library(session: Session, lessons: int, seed: int = 20261123,
                     chars_per_lesson: int = 7000) -> dict[str, Any]:
    """Schools in communities, teachers, lessons with transcripts; returns counts."""
    from api.auth.passwords import hash_password
    from models import Community, CommunityMember, Lesson, School, TranscriptSegment, User, UserRole

    rng = random.Random(seed)
    password = hash_password("bench-only")
    schools = [School(name=f"第{i + 1}实验学校") for i in range(50)]
    session.add_all(schools)
    session.flush()
    for c in range(10):
        members = schools[c * 5:(c + 1) * 5]
        session.add(Community(name=f"教研共同体{c + 1}", lead_school_id=members[0].id,
                              members=[CommunityMember(school_id=s.id) for s in members[1:]]))
    teachers = []
    for i in range(500):
        subject = rng.choice(list(TOPICS))
        teachers.append(User(username=f"bench_t{i}", display_name=rng.choice(SURNAMES) + "老师",
                             password_hash=password, school_id=schools[i % 50].id, subject=subject))
    session.add_all([*teachers, User(username="bench_admin", display_name="管理员", password_hash=password,
                                     role=UserRole.admin)])
    session.flush()
    chars = segments = 0
    for n in range(lessons):
        teacher = teachers[rng.randrange(len(teachers))]
        subject = teacher.subject or "数学"
        topic, terms = rng.choice(list(TOPICS[subject].items()))
        visibility = rng.choices(["community", "public", "private"], weights=(7, 2, 1))[0]
        lesson_id = session.execute(insert(Lesson).values(
            title=f"{topic}（{rng.choice(['第一课时', '第二课时', '复习课', '新授课'])}）", topic=topic,
            subject=subject,
            grade=rng.choice(GRADES), teacher_id=teacher.id, school_id=teacher.school_id, kind=rng.choice(KINDS),
            status="ready", visibility=visibility, duration_minutes=45,
        ).returning(Lesson.id)).scalar_one()
        rows: list[dict[str, Any]] = []
        t, size = 0.0, 0
        while size < chars_per_lesson * rng.uniform(0.7, 1.3):
            sentence = _sentence(rng, topic, terms)
            length = max(1.0, len(sentence) / 4.2)  # about 4 characters a second
            rows.append({"lesson_id": lesson_id, "idx": len(rows), "start": round(t, 2),
                         "end": round(t + length, 2), "text": sentence})
            t += length + rng.uniform(0.2, 3.0)
            size += len(sentence)
        session.execute(insert(TranscriptSegment), rows)
        chars += size
        segments += len(rows)
        if n % 500 == 499:
            session.commit()
    session.commit()
    return {"lessons": lessons, "segments": segments, "chars": chars}


# ---- measuring ----------------------------------------------------------------------------------

def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2)}


def _like_baseline(session: Session, q: str) -> int:
    words = q.split()
    where = " AND ".join(f"(meta LIKE :w{i} OR body LIKE :w{i})" for i in range(len(words)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    return len(session.execute(text(f"SELECT lesson_id FROM search_lessons WHERE {where}"), params).all())


def measure(session: Session, repeats: int = 5) -> dict[str, Any]:
    from api.access import load_context
    from api.library.service import SearchFilters, search
    from models import User

    users = {"teacher": session.scalars(select(User).where(User.username == "bench_t0")).one(),
             "admin": session.scalars(select(User).where(User.username == "bench_admin")).one()}
    out: dict[str, Any] = {}
    for who, user in users.items():
        ctx = load_context(session, user)
        for cls, queries in QUERIES.items():
            times, cpu, totals = [], [], []
            for q in queries:
                search(session, ctx, q, SearchFilters(), 20, 0)  # warm the page cache once
                for _ in range(repeats):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    page = search(session, ctx, q, SearchFilters(), 20, 0)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                totals.append(page.total)
            # CPU time of this process: on SQLite (in-process) the latency on an idle machine; on PostgreSQL
            # the client side only.
            cpu_pct = _percentiles(cpu)
            out[f"search/{who}/{cls}"] = {**_percentiles(times), "cpu_p50": cpu_pct["p50"],
                                          "cpu_p95": cpu_pct["p95"], "matches": totals}
    for cls, queries in QUERIES.items():
        times, cpu, totals = [], [], []
        for q in queries:
            for _ in range(max(1, repeats // 2)):
                started, started_cpu = time.perf_counter(), time.process_time()
                totals_q = _like_baseline(session, q)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            totals.append(totals_q)
        cpu_pct = _percentiles(cpu)
        out[f"like_baseline/{cls}"] = {**_percentiles(times), "cpu_p50": cpu_pct["p50"], "cpu_p95": cpu_pct["p95"],
                                       "matches": totals}
    return out


def _build(url: str, lessons: int) -> dict[str, Any]:
    from models.db import session_scope
    from models.migrate import upgrade
    from models.search_index import index_lesson

    upgrade(url)
    started = time.perf_counter()
    with session_scope(url) as session:
        counts = generate_library(session, lessons)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    with session_scope(url) as session:
        from models import Lesson
        ids = list(session.scalars(select(Lesson.id).order_by(Lesson.id)))
        for n, lesson_id in enumerate(ids):
            index_lesson(session, lesson_id)
            if n % 250 == 249:
                session.commit()
    indexed = time.perf_counter() - started
    return {**counts, "generate_s": round(generated, 1), "index_s": round(indexed, 1),
            "index_chars_per_s": round(counts["chars"] / indexed)}


def run_backend(backend: str, lessons: int, rebuild: bool, repeats: int) -> dict[str, Any]:
    from models.db import engine_for, session_scope

    if backend == "sqlite":
        path = RESULTS / f"search_library_{lessons}.db"
        meta_path = path.with_suffix(".json")
        url = f"sqlite:///{path}"
        if rebuild or not path.exists() or not meta_path.exists():
            for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), meta_path):
                stale.unlink(missing_ok=True)
            build = _build(url, lessons)
            meta_path.write_text(json.dumps(build))
        build = json.loads(meta_path.read_text())
        with session_scope(url) as session:
            session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
        result = {"build": build}
        with session_scope(url) as session:
            result.update(measure(session, repeats))
        result["db_mb"] = round(path.stat().st_size / 2**20, 1)
        engine_for(url).dispose()
        return result
    from tests.support import databases

    name = f"tingke_bench_{uuid.uuid4().hex[:8]}"
    databases._pg_admin(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' "
                        "TEMPLATE template0")
    url = databases._pg_url(name)
    try:
        result = {"build": _build(url, lessons)}
        with session_scope(url) as session:
            session.execute(text("ANALYZE"))
            result.update(measure(session, repeats))
            result["db_mb"] = round(session.scalar(func.pg_database_size(name)) / 2**20, 1)
        engine_for(url).dispose()
        return result
    finally:
        databases.drop_pg(name)


def print_table(results: dict[str, Any]) -> None:
    for backend, result in results.items():
        print(f"\n## {backend}: {result['build']}  db {result.get('db_mb')} MB, "
              f"load average {result.get('load_average_after')}")
        print(f"| {'mode/class':<28} | {'p50 ms':>8} | {'p95 ms':>8} | {'cpu p50':>8} | {'cpu p95':>8} | matches")
        print(f"|{'-' * 30}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 20}")
        for key, row in result.items():
            if isinstance(row, dict) and "p50" in row:
                print(f"| {key:<28} | {row['p50']:>8} | {row['p95']:>8} | {row.get('cpu_p50', '-'):>8} | "
                      f"{row.get('cpu_p95', '-'):>8} | {row['matches']}")


def run(lessons: int = 5000, backends: tuple[str, ...] = ("sqlite",), rebuild: bool = False,
        repeats: int = 5) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {b: run_backend(b, lessons, rebuild, repeats) for b in backends}
    for result in results.values():
        result["load_average_after"] = [round(x, 1) for x in os.getloadavg()]  # other work skews timings
    out = RESULTS / "search.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    previous = previous if isinstance(previous, dict) else {}
    out.write_text(json.dumps({**previous, **results}, ensure_ascii=False, indent=1))  # keep other backends
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite", help="comma separated: sqlite,postgres")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached SQLite library")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print_table(run(args.lessons, tuple(args.backends.split(",")), args.rebuild, args.repeats))
    print(f"\nwritten: {RESULTS / 'search.json'}")


if __name__ == "__main__":
    main()

"""The lesson report read on a phone (375×812): the score table keeps names and numbers whole, the S-T
chart has axis titles, the Rt–Ch chart keeps its label clear of its title, and the agreement statistic gets a
plain-language line; the .docx carries the radar, S-T and talk-time figures."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect

from models.db import session_scope
from tests.factories import PASSWORD, add_analytics, build_world, observe
from tests.web.conftest import no_horizontal_overflow, shot

pytestmark = [pytest.mark.browser]

DIMS = ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")
SCORES = {"researcher": (9, 8.5, 9, 7.5, 8, 8.5, 9), "peer": (7, 6.5, 7, 6, 7.5, 7, 8),
          "rural": (8, 7.5, 8.5, 7, 6.5, 8, 7.5)}


@pytest.fixture
def lesson(sqlite_db: str) -> int:
    with session_scope(sqlite_db) as session:
        world = build_world(session)
        lesson_id = world.lessons["public"]
        for who, scores in SCORES.items():
            observe(session, lesson_id, world.users[who], dict(zip(DIMS, scores, strict=True)))
        add_analytics(session, lesson_id)
        return lesson_id


def _sign_in(page: Page, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("input[name=username]", "w-teacher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


LINES = """(el) => {  // line boxes of the cell's text, and its width in characters of its own font
  const range = document.createRange(); range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  const em = parseFloat(getComputedStyle(el).fontSize);
  return { text: el.textContent, lines: tops.size, chars: el.getBoundingClientRect().width / em };
}"""


def test_report_reads_on_a_phone(new_page, lesson: int) -> None:
    page = new_page(phone=True)
    _sign_in(page, f"/lessons/{lesson}/report")
    expect(page.locator("#report-table tbody tr")).to_have_count(3)
    expect(page.locator("#analytics-card")).to_be_visible()
    expect(page.locator("#st-curve svg")).to_have_count(1)
    shot(page, "report-phone")
    assert no_horizontal_overflow(page)  # the table scrolls inside its box, the page does not

    names = [page.locator(sel).nth(i).evaluate(LINES)
             for sel in ("#report-table tbody th", "#report-table tfoot th") for i in range(page.locator(sel).count())]
    for cell in names:  # 同校老师, 王研究员, 平均: one line, at least 4 characters wide
        assert cell["lines"] == 1 and cell["chars"] >= min(4, len(cell["text"])) - 0.01, cell
    for cell in page.locator("#report-table thead th").evaluate_all(f"(els) => els.map({LINES})"):
        assert cell["lines"] <= 2 and cell["chars"] >= 3, cell  # 教学过程与方法 in two lines at most
    numbers = page.locator("#report-table td.num, #spread-table td.num").evaluate_all(f"(els) => els.map({LINES})")
    assert len(numbers) >= 3 * 8 and all(n["lines"] == 1 for n in numbers), [n for n in numbers if n["lines"] != 1]

    plain = page.locator("#agreement-plain")
    expect(plain).to_contain_text("通俗地说")

    figures = page.evaluate("""() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; };
      const within = (id, sel) => [...document.querySelectorAll(`#${id} ${sel}`)];
      const st = document.getElementById("st-curve"), rt = document.getElementById("rt-ch");
      return { stX: st.querySelector(".x-name").textContent, stY: st.querySelector(".y-name").textContent,
               stYRotated: (st.querySelector(".y-name").getAttribute("transform") || "").startsWith("rotate(-90"),
               rtTitle: box(rt.querySelector(".chart-title")), rtLabels: within("rt-ch", ".region-label").map(box),
               rtRegions: within("rt-ch", ".region").length,
               stPoints: st.querySelector("polyline.series").getAttribute("points").split(" ").length };
    }""")
    assert "T" in figures["stX"] and "秒" in figures["stX"] and "S" in figures["stY"]
    assert figures["stYRotated"] and figures["stPoints"] > 2  # the y title runs along its axis; the curve is drawn
    # Rt–Ch: four regions, each label inside the plot, below the title's band (nothing drawn over the title)
    assert figures["rtRegions"] == 4 and len(figures["rtLabels"]) == 4
    assert all(label["top"] >= figures["rtTitle"]["bottom"] for label in figures["rtLabels"]), figures
    assert not page.js_errors, page.js_errors


def test_docx_carries_the_three_figures(new_page, lesson: int) -> None:
    from docx import Document

    page = new_page(phone=True)
    _sign_in(page, f"/lessons/{lesson}/report")
    reply = page.request.get(f"/api/lessons/{lesson}/report.docx")
    assert reply.status == 200
    doc = Document(io.BytesIO(reply.body()))
    shapes = doc.inline_shapes
    assert len(shapes) == 3
    captions = [s._inline.docPr.get("descr") for s in shapes]
    assert captions == ["各维度平均分雷达图", "S-T 曲线", "师生话语时间占比"]
    for shape in shapes:
        blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        assert blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) > 10_000  # a drawn chart, not an empty box
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "课型：" in text and "Rt =" in text
    talk = [[c.text for c in row.cells] for t in doc.tables for row in t.rows if row.cells[0].text == "教师"]
    assert talk and talk[0][1:] == ["1400", "58%", "68%"]

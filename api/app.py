"""The FastAPI application: routers of every domain, error shape, and the pages of web/."""

from __future__ import annotations

from fastapi import FastAPI

from api.activities.endpoints import router as activities_router
from api.admin.pages import router as admin_pages_router
from api.audit.client_ip import ClientIPMiddleware
from api.audit.endpoints import router as audit_router
from api.auth.endpoints import router as auth_router
from api.auth.oidc_pages import router as oidc_router
from api.board_text.endpoints import router as board_text_router
from api.community.endpoints import router as community_router
from api.db import commit_before_response
from api.discussions.endpoints import router as discussions_router
from api.docs import install_docs
from api.errors import install_error_handlers
from api.health import router as health_router
from api.imports.endpoints import router as imports_router
from api.jobs.endpoints import router as jobs_router
from api.kit.body_limit import BodyLimitMiddleware
from api.kit.compression import install_compression
from api.kit.metrics import router as metrics_router
from api.kit.request_context import RequestContextMiddleware
from api.lesson_events.endpoints import router as lesson_events_router
from api.lessons.endpoints import router as lessons_router
from api.lessons.pages import router as lesson_pages_router
from api.library.endpoints import router as library_router
from api.live.endpoints import router as live_router
from api.live.pages import router as live_pages_router
from api.media.endpoints import router as media_router
from api.notifications.endpoints import router as notifications_router
from api.observations.endpoints import router as observations_router
from api.offline.pages import router as offline_router
from api.pages.discussions import router as discussion_pages_router
from api.pages.endpoints import router as pages_router
from api.pages.polls import router as poll_pages_router
from api.pages.static import mount_static
from api.polls.endpoints import router as polls_router
from api.qualifications.endpoints import router as qualifications_router
from api.quotas.endpoints import router as quotas_router
from api.reports.endpoints import router as reports_router
from api.reports.pages import router as report_pages_router
from api.rubrics.endpoints import router as rubrics_router
from api.spotchecks.endpoints import router as spotchecks_router
from api.transcripts.endpoints import router as transcripts_router
from api.users.endpoints import router as users_router
from models.db import sessionmaker_for
from tingke.settings import get_settings

ROUTERS = [health_router, metrics_router, auth_router, community_router, users_router, rubrics_router, lessons_router,
           observations_router, library_router, reports_router, jobs_router,
           live_router, media_router, live_pages_router, pages_router]  # live before media: /media/live/
ROUTERS += [quotas_router, activities_router, spotchecks_router, lesson_events_router,
            qualifications_router]  # community workflows: quotas, visits, spot-checks, 同课异构, 课改合格课
ROUTERS += [report_pages_router, lesson_pages_router]  # domains that own their pages (api/<domain>/pages.py)
ROUTERS += [imports_router, audit_router, admin_pages_router, oidc_router]  # district administration (issue 13)
ROUTERS += [polls_router, discussions_router, notifications_router,  # live polls, 网络教研, notifications
            poll_pages_router, discussion_pages_router, offline_router]
ROUTERS += [board_text_router]  # board and slide text (板书/课件)
ROUTERS += [transcripts_router]  # transcript corrections (issue 15)


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="tingke 听课", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Lesson observation and remote teaching for teaching-research communities.")
    install_docs(app)  # Swagger UI from our own npm install: works offline
    app.state.sessionmaker = sessionmaker_for(settings.db_url)
    install_error_handlers(app)
    app.add_middleware(ClientIPMiddleware)
    app.add_middleware(BodyLimitMiddleware)  # outermost: an oversized body is refused before auth
    commit_before_response(ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    install_compression(app)
    app.add_middleware(RequestContextMiddleware)  # outermost of all: the id and the timing cover everything
    return app

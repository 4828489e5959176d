"""The Celery app of the batch plane, configured from settings, and ``tingke worker``.

Embedded default: kombu's SQLAlchemy transport on SQLite (no server); Redis or RabbitMQ by
``TINGKE_BROKER_URL``. The broker is only a doorbell: late acks and prefetch 1 keep a task
with its worker, but crash safety comes from the Job row's lease and the sweeper
(workers/jobs.py, workers/sweeper.py).
"""

from __future__ import annotations

import logging
import os

from celery import Celery

from tingke.jobs_client import PROCESS_TASK  # the task name is the only link between the planes: one definition
from tingke.settings import get_settings

log = logging.getLogger(__name__)


def make_app() -> Celery:
    settings = get_settings()
    broker = settings.celery_broker
    if broker.startswith("sqla+"):
        # The transport's options go to create_engine, so the polling interval must be set on
        # the class (passing it in broker_transport_options crashes the worker at start).
        import kombu.transport.sqlalchemy as sqla_transport

        sqla_transport.Transport.polling_interval = settings.broker_poll_seconds
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("tingke", broker=broker, backend=settings.celery_backend, include=["workers.tasks"])
    transport_options: dict[str, object] = {}
    if broker.startswith(("redis", "rediss")):
        # Longer than any job, so a slow task is never handed to a second worker by Redis itself;
        # a crashed worker's job is re-sent by our sweeper long before this.
        transport_options["visibility_timeout"] = 12 * 3600
    app.conf.update(
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport_options,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


app = make_app()


def send_job(job_id: int) -> None:
    app.send_task(PROCESS_TASK, args=[job_id])


def run_worker() -> int:
    """One worker process: concurrency 1 (solo pool: the task runs in this process, so a kill takes
    the whole job down and the lease tells the others) plus the sweeper thread."""
    from workers.metrics import start_exporter
    from workers.sweeper import Sweeper

    settings = get_settings()
    exporter = start_exporter()  # TINGKE_WORKER_METRICS_PORT: this process's /metrics
    sweeper = Sweeper(send_job)
    sweeper.start()
    argv = ["worker", "--pool=solo", "--concurrency=1", f"--loglevel={settings.log_level}",
            f"--hostname=tingke-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if settings.worker_queues:  # one systemd unit per queue (deploy/tingke-worker@.service)
        argv.append(f"--queues={settings.worker_queues}")
    try:
        app.worker_main(argv)
    finally:
        sweeper.stopped.set()
        if exporter is not None:
            exporter.shutdown()
    return 0

"""Settings read from ``TINGKE_*`` environment variables.

Every setting has an embedded default that needs no server (SQLite, a local folder, the
SQLite-backed Celery broker); the README lists the scale-out value of each.
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TINGKE_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite files, media and keys")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    broker_url: str = Field(default="", description="Celery broker; empty means kombu's SQLAlchemy transport")
    result_backend: str = Field(default="", description="Celery result backend; empty means SQLite")
    media_dir: Path | None = Field(default=None, description="Where recordings and renditions live")
    secret_key: str = Field(default="", description="Signing key; empty means one kept in data_dir")

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field(default="", description="Base URL users reach the API at")
    api_workers: int = Field(default=1, ge=1, description="uvicorn worker processes of `tingke api` (with "
                             "several, set PROMETHEUS_MULTIPROC_DIR so /metrics sums them: deploy/)")
    relay_host: str = "127.0.0.1"
    relay_port: int = 8001
    relay_public_url: str = Field(default="", description="Base URL browsers reach the relay at")

    ice_servers: list[dict[str, Any]] = Field(default_factory=list, description="RTCIceServer list (JSON)")
    turn_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="TURN URLs given with minted credentials (JSON list or comma-separated: "
        "turn:host:3478?transport=udp, turns:host:5349?transport=tcp)")
    turn_secret: str = Field(default="", description="coturn's static-auth-secret; empty means no TURN")
    turn_ttl_seconds: int = Field(default=6 * 3600, ge=60, description="How long minted TURN credentials are "
                                  "valid (coturn refuses allocations and refreshes after it: outlast a lesson)")
    rtc_port_min: int = 0
    rtc_port_max: int = 0
    live_grace_seconds: float = Field(default=60.0, description="A room ends this long after its last publisher left")
    live_segment_seconds: float = Field(default=4.0, description="Length of the relay's recording segments")
    live_resume_minutes: float = Field(default=15.0, description="A teacher may resume a lesson this long after its "
                                       "live part ended; the new part is appended to its recording")
    live_record: bool = Field(default=True, description="Write what the relay forwards to media_root/live")
    live_hls: bool = Field(default=True, description="With live_record: one ffmpeg per live lesson writes HLS")
    live_hls_segment_seconds: float = Field(default=2.0, description="Segment length of the live HLS")
    live_hls_low_height: int = Field(default=360, description="Height of the live HLS low rendition")
    live_hls_fallback_seconds: float = Field(
        default=3.0, ge=0, description="Dual lesson HLS: wait this long for a dropped classroom before another")

    session_ttl_seconds: int = 12 * 3600
    live_token_ttl_seconds: int = 600
    media_url_ttl_seconds: int = 4 * 3600
    signin_free_failures: int = 3
    signin_max_delay_seconds: int = 60

    json_body_max_bytes: int = Field(
        default=4 * 1024**2, ge=1024, description="Largest request body outside uploads (JSON, forms): 413 unread")
    upload_max_bytes: int = 4 * 1024**3
    upload_chunk_max_bytes: int = 16 * 1024**2
    recording_max_seconds: int = 4 * 3600
    video_max_pixels: int = Field(
        default=4096 * 2304, ge=1, description="Largest picture (width x height) of a recording; covers 4K phones")
    video_max_side: int = Field(default=4096, ge=1, description="Longest side of a recording's picture, in pixels")
    video_max_fps: float = Field(default=240.0, gt=0, description="Highest frame rate (phones' slow motion)")
    video_max_pixel_rate: int = Field(
        default=3840 * 2160 * 60, ge=1, description="Largest pixels per second (4K at 60 fps, 1080p at 240 fps)")

    model_cache_dir: Path = Field(default=Path.home() / ".cache" / "tingke")
    whisper_model_dir: Path | None = Field(default=None, description="CTranslate2 Whisper model folder")
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_cpu_threads: int = 2
    whisper_batch_size: int = 8
    whisper_no_repeat_ngram_size: int = Field(
        default=4, ge=0, description="Forbid a repeated token n-gram in a 30-s chunk (stops loops); 0: off")

    broker_poll_seconds: float = Field(default=0.2, description="Polling interval of the embedded SQLite broker")
    job_lease_seconds: float = Field(default=60.0, description="A running job's lease; renewed by a heartbeat")
    job_sweep_seconds: float = Field(default=15.0, description="How often the sweeper looks for stuck jobs")
    job_resend_after_seconds: float = Field(default=60.0, description="Re-send a queued job nobody took after this")
    job_max_attempts: int = Field(default=3, description="Crashed runs of one job before it is marked failed")
    hls_segment_seconds: float = 6.0
    storyboard_threshold: float = Field(default=0.12, description="Mean frame change (0-1) that counts as a new scene")
    board_text_det_side: int = Field(default=480, ge=320, le=2000,
                                     description="OCR of board and slide text: longest side the detector sees "
                                     "(480 reads 720p writing from about 12 px high, at three quarters of 640's cost)")
    board_text_threads: int = Field(default=1, ge=1, description="onnxruntime threads of the board-text OCR (one: "
                                    "on a shared 2-core machine a second thread costs as much CPU as it saves time)")
    board_text_min_score: float = Field(default=0.8, ge=0, le=1, description="Board text lines read less surely "
                                        "than this are dropped")

    st_sample_seconds: float = 30.0
    timezone: str = Field(default="Asia/Shanghai", description="The district's time zone (IANA name)")
    semester_starts: str = Field(default="02-15,08-20", description="MM-DD of spring and autumn term start")
    spotcheck_max_age: int = 35
    spotcheck_exclude_weeks: int = Field(default=8, description="A teacher drawn this recently is not drawn again")
    activity_material_max_bytes: int = Field(default=50 * 1024**2, description="Largest activity material upload")

    # OpenID Connect sign-in with the district's identity provider (off while oidc_issuer is empty)
    oidc_issuer: str = Field(default="", description="The provider's issuer URL (discovery at /.well-known/…)")
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scope: str = "openid profile"
    oidc_match_claim: str = Field(default="employee_no", description="The claim holding the person's key")
    oidc_match_field: Literal["employee_no", "phone"] = Field(
        default="employee_no", description="Which imported value that claim is: 工号 or phone number")
    oidc_create_users: bool = Field(default=False, description="Create someone unknown on first sign-in")
    oidc_default_school: str = Field(default="", description="The school (by name) such people belong to")

    demo_password: str = "tingke-demo"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="text: human-readable lines; json: one JSON object per line, with request_id")
    metrics_token: str = Field(default="", description="Bearer token that lets a non-loopback scraper read "
                               "/metrics; empty: only loopback requests no proxy forwarded")
    worker_metrics_port: int = Field(default=0, ge=0, le=65535,
                                     description="Port of a worker's Prometheus exporter; 0: none")
    worker_metrics_host: str = Field(default="127.0.0.1", description="Address the worker's exporter binds to")
    worker_queues: str = Field(default="", description="Comma-separated Celery queues a worker consumes; "
                               "empty: Celery's default queue")

    @field_validator("ice_servers", mode="before")
    @classmethod
    def _parse_ice(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

    @field_validator("turn_urls", mode="before")
    @classmethod
    def _parse_turn_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [u.strip() for u in text.split(",") if u.strip()]
        return value

    # ---- derived values -------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tingke.db').resolve()}"

    @property
    def celery_broker(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{(self.data_dir / 'broker.db').resolve()}"

    @property
    def celery_backend(self) -> str:
        return self.result_backend or f"db+sqlite:///{(self.data_dir / 'results.db').resolve()}"

    @property
    def media_root(self) -> Path:
        return (self.media_dir or self.data_dir / "media").resolve()

    @property
    def api_base(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def relay_base(self) -> str:
        return (self.relay_public_url or f"http://{self.relay_host}:{self.relay_port}").rstrip("/")

    @property
    def whisper_dir(self) -> Path:
        return self.whisper_model_dir or self.model_cache_dir / "whisper-base-ct2"

    def signing_key(self) -> bytes:
        """The key for tokens and signed URLs: from the environment, else kept in data_dir."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            try:
                tmp.rename(path) if not path.exists() else tmp.unlink()
            except FileExistsError:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()

"""Every setting kontho reads, from the environment with the ``KONTHO_`` prefix.

The README's configuration table lists the same fields; ``tests/unit/test_settings.py`` keeps them in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KONTHO_", extra="ignore", frozen=True)

    # AWS: an empty endpoint means real AWS; the local stack points this at its moto server.
    aws_endpoint_url: str | None = Field(default=None, description="S3 and SQS endpoint; empty for AWS.")
    aws_region: str = Field(default="us-east-1", description="AWS region of the bucket and queues.")
    bucket: str = Field(default="kontho-local", description="S3 bucket holding texts, job records, audio.")
    queue_name: str = Field(default="kontho-jobs.fifo", description="SQS FIFO job queue.")
    dlq_name: str = Field(default="kontho-jobs-dlq.fifo", description="SQS FIFO dead-letter queue.")
    queue_url: str | None = Field(default=None, description="Job queue URL; looked up by name if empty.")
    max_receive_count: int = Field(default=3, ge=1, le=1000, description="Deliveries before the DLQ.")

    # API
    api_host: str = Field(default="127.0.0.1", description="Address the API binds to.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    max_text_chars: int = Field(default=2_000_000, ge=1, description="Longest accepted text, characters.")
    max_upload_bytes: int = Field(
        default=100_000_000, ge=1, description="Largest accepted upload (EPUB, text), bytes."
    )
    max_chapters: int = Field(default=500, ge=1, le=100_000, description="Most chapters one job may have.")
    presign_expires_seconds: int = Field(default=3600, ge=60, le=604_800, description="Download URL life.")
    api_keys_file: str | None = Field(
        default=None,
        description="Tenants and their API key hashes: a path or s3://bucket/key; empty: the dev key only.",
    )
    api_keys_reload_seconds: float = Field(
        default=60.0, ge=0, description="How often the keys file is read again; 0: only at start."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS), e.g. https://studio.example.com.",
    )
    default_voice: str = Field(default="bn-espeak", description="Voice used when a job names none.")
    voices_file: Path | None = Field(default=None, description="YAML or JSON voice catalog to add.")

    # Worker
    poll_wait_seconds: int = Field(default=20, ge=0, le=20, description="SQS long-poll wait.")
    visibility_timeout_seconds: int = Field(
        default=120, ge=10, le=43_200, description="Visibility each heartbeat grants a message in work."
    )
    heartbeat_seconds: float = Field(default=30.0, gt=0, description="How often a worker extends visibility.")
    drain_seconds: float = Field(
        default=90.0,
        gt=0,
        le=3600,
        description="After SIGTERM, longest a worker takes to checkpoint, release its job and exit.",
    )
    max_receive_seconds: int = Field(
        default=42_600,
        ge=10,
        le=43_000,
        description="Longest one receive holds a job before releasing it to continue on a fresh one.",
    )
    liveness_file: Path = Field(
        default=Path("/tmp/kontho-worker.alive"),  # noqa: S108 - a per-pod file, not shared data
        description="File the worker loop touches as it moves; the liveness probe checks its age.",
    )
    liveness_max_age_seconds: float = Field(
        default=900.0, gt=0, description="Oldest the liveness file may be before the probe fails."
    )
    worker_metrics_port: int = Field(
        default=9102, ge=0, le=65535, description="Port of a worker's Prometheus /metrics; 0 turns it off."
    )
    webhook_attempts: int = Field(default=6, ge=1, le=20, description="Tries per webhook delivery.")
    webhook_backoff_seconds: float = Field(
        default=2.0, ge=0, le=600, description="First wait between webhook tries; doubles each time."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest one webhook POST may take."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks reach private, loopback and link-local addresses (local stack only).",
    )
    retry_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="First delay before a failed job is retried; doubles each time.",
    )
    progress_interval_seconds: float = Field(
        default=2.0, ge=0, description="Least time between status saves."
    )
    chunk_max_chars: int = Field(
        default=400, ge=20, le=5000, description="Longest text one synthesis call gets."
    )
    sentence_pause_ms: int = Field(default=250, ge=0, le=5000, description="Silence between sentences.")
    paragraph_pause_ms: int = Field(default=700, ge=0, le=10_000, description="Silence between paragraphs.")
    loudness_window_seconds: float = Field(
        default=300.0,
        ge=10,
        le=7200,
        description="Opening of the programme measured to set its gain; encoding starts after it.",
    )
    chunk_cache_days: Literal[7, 14, 30] = Field(
        default=30,
        description="Days a rendered chunk stays in its tenant's cache after its last use (7, 14 or 30: each "
        "has an S3 lifecycle rule); a tenant's own chunk_cache_days wins.",
    )
    encoder_processes: int = Field(
        default=0, ge=0, le=256, description="ffmpeg encoders one job runs at once; 0: one per CPU core."
    )
    mp3_bitrate: str = Field(default="128k", pattern=r"^\d{2,3}k$", description="MP3 bitrate.")
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "kontho" / "models",
        description="Where workers keep downloaded models.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="Torch device for neural voices."
    )
    vits_batch_tokens: int = Field(
        default=6000, ge=100, le=1_000_000, description="Padded tokens per VITS batch (batch size × longest)."
    )
    vits_precision: Literal["fp32", "fp16", "bf16"] = Field(
        default="fp32", description="VITS arithmetic; fp16/bf16 run under autocast (bf16 only on CPU)."
    )
    xtts_precision: Literal["fp32", "fp16", "bf16"] = Field(
        default="fp32", description="XTTS arithmetic on a GPU; fp16/bf16 run under autocast (fp32 on CPU)."
    )
    work_dir: Path | None = Field(default=None, description="Scratch space for audio; system temp if empty.")
    scratch_reserve_bytes: int = Field(
        default=1_000_000_000,
        ge=0,
        description="Disk a worker leaves free in its scratch space; a job that would eat into it waits.",
    )
    dlq_check_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How often an idle worker settles jobs found in the dead-letter queue; 0: never.",
    )

    # Local stack (make run / make serve)
    local_workers: int = Field(default=1, ge=0, le=16, description="Workers the local stack starts.")
    local_aws_port: int = Field(default=4566, ge=1, le=65535, description="Port of the local moto server.")
    local_state_dir: Path = Field(
        default=Path(".kontho"), description="Where the local stack writes its env."
    )
    local_out_dir: Path = Field(default=Path("out"), description="Where make run writes the audio.")

    # Logging
    log_format: Literal["console", "json"] = Field(default="console", description="json in production.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="Log level.")

    # Pronunciation lexicons
    lexicon_max_entries: int = Field(
        default=5000, ge=1, le=100_000, description="Most entries one pronunciation lexicon may hold."
    )
    lexicon_max_alias_chars: int = Field(
        default=200, ge=1, le=10_000, description="Longest alias (and phoneme string) of a lexicon entry."
    )
    lexicon_max_bytes: int = Field(
        default=1_048_576, ge=1024, le=100_000_000, description="Largest lexicon a PUT may send, bytes."
    )

    # Voice samples (POST /v1/voices/{voice_id}/sample)
    max_samples_in_flight: int = Field(
        default=2, ge=1, le=100, description="Voice samples a tenant may have queued or rendering at once."
    )
    sample_reuse_seconds: int = Field(
        default=600,
        ge=0,
        le=86_400,
        description="How long the same sample request returns the sample already made; 0 renders every time.",
    )

    # Cloned voices (POST /v1/voices)
    max_cloned_voices: int = Field(
        default=20, ge=0, le=10_000, description="Cloned voices one tenant may keep; 0 turns cloning off."
    )
    max_voice_clip_bytes: int = Field(
        default=20_000_000, ge=1, description="Largest reference clip upload (WAV, MP3, FLAC), bytes."
    )

    # Coqui model-zoo voices (a catalog model such as tts_models/bn/custom/vits-female)
    zoo_dir: Path | None = Field(
        default=None,
        description="Coqui's model folder for zoo voices (models under its tts/); empty: "
        "{KONTHO_MODEL_CACHE_DIR}/coqui_zoo.",
    )
    zoo_mirror: str | None = Field(
        default=None,
        description="s3:// prefix or folder that `kontho voices import` filled: looked in for a zoo voice "
        "without a mirror of its own.",
    )
    zoo_download: bool = Field(
        default=True,
        description="Fetch a zoo model from Coqui's servers when no cache or mirror has it; false without "
        "egress.",
    )
    zoo_download_timeout_seconds: float = Field(
        default=1800.0, gt=0, le=86_400, description="Longest a zoo model's download may take."
    )
    max_cover_bytes: int = Field(
        default=5_000_000,
        ge=1,
        description="Largest cover image (an EPUB's, or a cover_upload's JPEG or PNG), bytes.",
    )

    @model_validator(mode="after")
    def _heartbeat_beats_the_timeout(self) -> Settings:
        # A heartbeat slower than the visibility timeout would let a second worker take a job in progress.
        if self.heartbeat_seconds >= self.visibility_timeout_seconds:
            raise ValueError(
                f"KONTHO_HEARTBEAT_SECONDS ({self.heartbeat_seconds}) must be less than "
                f"KONTHO_VISIBILITY_TIMEOUT_SECONDS ({self.visibility_timeout_seconds})"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once; tests build their own ``Settings`` instead."""
    return Settings()

"""The SQS message: a pointer to a job, never its text."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field, ValidationError, field_validator

from kontho.errors import PoisonMessage
from kontho.ids import is_job_id

MESSAGE_VERSION = 1


class JobMessage(BaseModel):
    v: int = MESSAGE_VERSION
    job_id: str
    tenant: str = Field(default="local", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")

    @field_validator("job_id")
    @classmethod
    def _well_formed(cls, value: str) -> str:
        if not is_job_id(value):
            raise ValueError("not a job id")
        return value

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, body: str) -> JobMessage:
        try:
            message = cls.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            raise PoisonMessage(f"unreadable job message: {exc}") from exc
        if message.v > MESSAGE_VERSION:
            raise PoisonMessage(f"message version {message.v} is newer than this worker understands")
        return message

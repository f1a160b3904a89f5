"""Dependencies, declared once as ``Annotated`` aliases. Tests override ``get_services``."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request

from kontho.aws import s3_client, sqs_client
from kontho.jobqueue import JobQueue
from kontho.jobstore import JobStore
from kontho.settings import Settings
from kontho.voices import VoiceCatalog


class Services:
    """The API's connections, made on first use so the process starts even while AWS is unreachable."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.voices = VoiceCatalog()

    @cached_property
    def store(self) -> JobStore:
        return JobStore(s3_client(self.settings), self.settings.bucket)

    @cached_property
    def queue(self) -> JobQueue:
        sqs = sqs_client(self.settings)
        if self.settings.queue_url:
            return JobQueue(sqs, self.settings.queue_url)
        return JobQueue.lookup(sqs, self.settings.queue_name)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

"""Dependencies, declared once as ``Annotated`` aliases. Tests override ``get_services``."""

from __future__ import annotations

from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request

from api.errors import ApiError
from api.limits import RateLimiter
from api.models import ErrorBody
from kontho.activejobs import ActiveJobs
from kontho.aws import s3_client
from kontho.errors import BaseVoiceGone, UnknownVoice
from kontho.jobqueue import JobQueue, dead_letter_queue, job_queue
from kontho.jobstore import JobStore
from kontho.lexiconstore import LexiconStore
from kontho.lifecycle import JobLife
from kontho.settings import Settings
from kontho.tenant_voices import TenantVoiceStore
from kontho.tenants import ReloadingDirectory
from kontho.usage import UsageLedger
from kontho.voice_resolver import VoiceResolver
from kontho.voices import Voice, VoiceCatalog, catalog_for


class Services:
    """The API's connections, made on first use so the process starts even while AWS is unreachable."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.voices: VoiceCatalog = catalog_for(settings.voices_file)
        self.tenants = ReloadingDirectory(settings)
        self.rates = RateLimiter()

    @cached_property
    def store(self) -> JobStore:
        return JobStore(s3_client(self.settings), self.settings.bucket)

    @cached_property
    def lexicons(self) -> LexiconStore:
        return LexiconStore(self.store)

    @cached_property
    def cloned_voices(self) -> TenantVoiceStore:
        return TenantVoiceStore(self.store)

    @cached_property
    def resolver(self) -> VoiceResolver:
        return VoiceResolver(self.voices, self.cloned_voices)

    @cached_property
    def active(self) -> ActiveJobs:
        return ActiveJobs(self.store)

    @cached_property
    def usage(self) -> UsageLedger:
        return UsageLedger(self.store)

    @cached_property
    def dlq(self) -> JobQueue | None:
        """The dead-letter queue, for its depth on /metrics; None when it cannot be found."""
        try:
            return dead_letter_queue(self.settings)
        except Exception:
            return None

    @cached_property
    def queue(self) -> JobQueue:
        return job_queue(self.settings)

    @cached_property
    def life(self) -> JobLife:
        """Submit, cancel and erase; the API settles nothing, so it announces nothing."""
        return JobLife(self.store)


def voice_or_422(services: Services, voice_id: str | None, tenant: str) -> Voice:
    """The voice a request names (the default when it names none), or a 422 naming the ones the tenant
    may use; another tenant's private voice is answered as a voice that does not exist."""
    try:
        return services.resolver.resolve(tenant, voice_id or services.settings.default_voice)
    except UnknownVoice as exc:
        raise ApiError(422, ErrorBody(code=unknown_voice_code(exc), field="voice", message=str(exc))) from exc


def unknown_voice_code(exc: UnknownVoice) -> str:
    """A cloned voice whose base voice went says so; any other voice the tenant cannot use is unknown."""
    return exc.code if isinstance(exc, BaseVoiceGone) else UnknownVoice.code


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

"""kontho's error tree. The type says what to do, so callers never parse messages.

- ``PermanentError``: retrying cannot help (bad input, unknown voice). The job fails with a readable
  reason and its message is deleted.
- ``TransientError``: retrying may help (throttling, timeouts, a lost connection). The message is left
  for SQS to redeliver; the last delivery marks the job failed before it moves to the dead-letter queue.

The worker maps these to queue actions in one place: ``worker/outcome.py``.
"""

from __future__ import annotations


class KonthoError(Exception):
    code = "internal_error"


class PermanentError(KonthoError):
    code = "permanent_error"


class TransientError(KonthoError):
    code = "transient_error"


class InvalidJob(PermanentError):
    code = "invalid_input"


class UnknownVoice(PermanentError):
    code = "unknown_voice"


class VoiceGone(UnknownVoice):
    """A cloned voice's id that names no voice of the tenant now: deleted (perhaps after the job that names
    it was submitted), or never the tenant's own."""

    code = "voice_not_found"


class BaseVoiceGone(UnknownVoice):
    """A cloned voice's base voice is no longer in the catalog, or no longer offered to its tenant."""

    code = "base_voice_unavailable"


class JobNotFound(PermanentError):
    code = "job_not_found"


class EngineUnavailable(PermanentError):
    """This worker cannot run the voice's engine (not installed, unknown engine)."""

    code = "engine_unavailable"


class ModelLoadFailed(PermanentError):
    """The voice's model is missing, corrupt or does not match its config."""

    code = "model_load_failed"


class ModelUnavailable(PermanentError):
    """The voice's model is neither in the cache nor anywhere it can be fetched from; retrying the same
    worker will not find it. The message names the fix (a mirror, an import, network access)."""

    code = "model_unavailable"


class PoisonMessage(PermanentError):
    """A queue message nobody can act on: delete it, there is no job to fail."""

    code = "poison_message"


class StorageUnavailable(TransientError):
    code = "storage_unavailable"


class QueueUnavailable(TransientError):
    code = "queue_unavailable"


class EngineFailed(TransientError):
    """A synthesis engine crashed on input it should handle; another attempt may succeed."""

    code = "engine_failed"


class EncodeFailed(TransientError):
    code = "encode_failed"

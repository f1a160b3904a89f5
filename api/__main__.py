"""``python -m api``: serve the API on ``KONTHO_API_HOST``:``KONTHO_API_PORT``."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from kontho.logging import configure_logging
from kontho.settings import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    # log_config=None keeps uvicorn's records on kontho's structlog handler.
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None)


if __name__ == "__main__":
    main()

"""``Authorization: Bearer <key>`` on every /v1 route: the key names the tenant the request acts for."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from api.deps import ServicesDep
from api.errors import ApiError
from api.models import ErrorBody
from kontho.tenants import Tenant

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kontho"'}


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, ErrorBody(code="unauthorized", field="Authorization", message=message), _CHALLENGE)


async def require_tenant(request: Request, services: ServicesDep) -> Tenant:
    # async: it runs in the request's own context, so the tenant it binds reaches every later log line.
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized("send the API key as 'Authorization: Bearer <key>'")
    tenant = services.tenants.authenticate(key.strip())
    if tenant is None:
        raise _unauthorized("the API key is not valid")  # never the key itself, not even in logs
    structlog.contextvars.bind_contextvars(tenant=tenant.id)
    services.rates.take(tenant)
    return tenant


TenantDep = Annotated[Tenant, Depends(require_tenant)]

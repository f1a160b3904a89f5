"""infra/terraform read with python-hcl2 (no Terraform binary where the tests run), as plain Python values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

_META = {"__comments__", "__inline_comments__", "__is_block__"}
_REFERENCE = re.compile(r"\$\{(local|var)\.([a-z_]+)\}")


def _clean(value: Any) -> Any:
    """python-hcl2 8 keeps quotes around strings and block labels, and comment entries; drop them."""
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items() if k not in _META}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@dataclass
class TerraformModule:
    resources: dict[tuple[str, str], dict[str, Any]]
    data: dict[tuple[str, str], dict[str, Any]]
    variables: dict[str, dict[str, Any]]
    locals: dict[str, Any]
    outputs: dict[str, dict[str, Any]]

    def default(self, variable: str) -> Any:
        return self.variables[variable]["default"]

    def resolve(self, template: str, values: dict[str, str]) -> str:
        """Expand ``${local.x}`` and ``${var.x}`` in a string local, with ``values`` for what only a real
        plan would know (the account id) and for variables without defaults."""

        def expand(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if name in values:
                return values[name]
            if kind == "local":
                return self.resolve(str(self.locals[name]), values)
            return str(self.default(name))

        return _REFERENCE.sub(expand, template)


def load_module(folder: Path) -> TerraformModule:
    module = TerraformModule({}, {}, {}, {}, {})
    for path in sorted(folder.glob("*.tf")):
        parsed = _clean(hcl2.loads(path.read_text(encoding="utf-8")))
        for kind, into in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        into[(rtype, name)] = body
        for block in parsed.get("variable", []):
            module.variables.update(block)
        for block in parsed.get("output", []):
            module.outputs.update(block)
        for block in parsed.get("locals", []):
            module.locals.update(block)
    return module


def load_tfvars(path: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = _clean(hcl2.loads(path.read_text(encoding="utf-8")))
    return parsed

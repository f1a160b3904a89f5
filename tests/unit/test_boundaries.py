"""The API stays thin: it never imports torch, Coqui or the worker, however it is configured."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import sys
from api.app import create_app
from kontho.settings import Settings
app = create_app(Settings())
client_modules = {m.split(".")[0] for m in sys.modules}
print(sorted(client_modules & {"torch", "TTS", "worker", "numpy", "pydub"}))
"""


def test_the_api_process_never_imports_torch_coqui_or_the_worker() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_shared_package_imports_nothing_heavy() -> None:
    probe = (
        "import sys, kontho.text.frontend, kontho.jobstore, kontho.jobqueue; print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_domain_packages_stay_framework_free():
    """graph, retrieval and model import without Django or Celery (and without their settings)."""
    probe = ("import graph, retrieval, model, sys; "
             "bad = [m for m in sys.modules if m.startswith(('django', 'celery'))]; "
             "assert not bad, bad")
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT, env={"PATH": os.environ["PATH"]})


def test_domain_packages_never_read_the_environment():
    offenders = [str(p.relative_to(ROOT)) for pkg in ("graph", "retrieval", "model")
                 for p in (ROOT / pkg).rglob("*.py") if "os.environ" in p.read_text() or "os.getenv" in p.read_text()]
    assert offenders == []

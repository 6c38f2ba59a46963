import os
import subprocess
import sys
from pathlib import Path


def test_importing_graph_loads_no_framework_and_no_heavy_library():
    """graph/ imports no Django/Celery and defers spaCy, neo4j and torch to first use."""
    probe = (
        "import graph, sys; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('django', 'celery', 'spacy', 'neo4j', 'torch', 'sentence_transformers')]; assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        cwd=root,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(root)},
    )


def test_graph_never_reads_the_environment():
    root = Path(__file__).resolve().parents[3] / "graph"
    offenders = [
        p.name for p in root.rglob("*.py") if "os.environ" in p.read_text() or "getenv" in p.read_text()
    ]
    assert offenders == []

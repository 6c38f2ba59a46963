import pytest

from graph import ExtractionConfig, Extractor


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """Shadows the Django-only autouse fixture of tests/conftest.py: graph tests run without Django."""


@pytest.fixture(scope="session")
def rules_extractor():
    """Extractor without the statistical model: patterns, lexicon and rules only (fast)."""
    return Extractor(ExtractionConfig(use_ner=False))


@pytest.fixture(scope="session")
def ner_extractor():
    return Extractor(ExtractionConfig())

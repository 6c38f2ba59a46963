"""Deploy defaults are closed: production unless KENNING_DEV opts in, and then HTTPS-only settings.

Each case imports the settings in a fresh interpreter, since they are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests' conftest sets it for the whole session.
    dropped = ("KENNING_DEV", "SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **extra)
    return env


def _run(code_or_args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_without_kenning_dev_settings_refuse_to_load_without_a_secret_key():
    result = _run(["-c", "import django; django.setup()"], _production_env())
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_an_explicit_kenning_dev_uses_the_development_key_over_plain_http():
    code = "from django.conf import settings as s; print(s.SECRET_KEY, s.SESSION_COOKIE_SECURE)"
    result = _run(["-c", "import django; django.setup(); " + code], _production_env(KENNING_DEV="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kenning-dev-only-insecure-key", "False"]


def test_production_settings_send_secure_cookies_hsts_and_redirect_to_https():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER]))"
    )
    result = _run(["-c", "import django; django.setup(); " + code], _production_env(SECRET_KEY="x" * 60))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, True, True, 31536000, ["HTTP_X_FORWARDED_PROTO", "https"]]


def test_deploy_check_is_clean_with_production_settings():
    env = _production_env(SECRET_KEY=secrets.token_urlsafe(50))
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

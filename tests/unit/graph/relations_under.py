"""The cause and fix relations the rules extract from one chunk, as (head, type, tail) names."""

from graph import ChunkInput


def relations_under(root: str, extractor, text: str, heading: str = "") -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Relations of ``text`` filed under ``root`` › ``heading`` (no heading path without one)."""
    path = (root, heading) if heading else ()
    facts = extractor.extract(ChunkInput("c1", "col", "doc", "v1", text, "paragraph", path))
    names = {m.key: m.name for m in facts.mentions}
    return {
        (names[r.head], r.type, names[r.tail])
        for r in facts.relations
        if r.type in ("CAUSED_BY", "REMEDIED_BY")
    }

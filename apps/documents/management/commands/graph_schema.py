"""manage.py graph_schema: create the Neo4j constraints and indexes this version of Kenning needs.

Run beside ``migrate`` at every start (scripts/up, the compose web service, the benches' stacks).
The worker also ensures them before its first graph write, but a graph written by an older
version and read before any new ingest would otherwise lack a newer index: the answer path then
lost its graph part ("There is no such fulltext schema index: work_order_text").
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from config import wiring
from graph.errors import GraphError
from graph.schema import ensure_schema, schema_statements


class Command(BaseCommand):
    help = "Creates the knowledge graph's constraints and indexes if they are missing (idempotent)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            ensure_schema(wiring.neo4j_driver())
        except GraphError as exc:
            raise CommandError(f"Could not prepare the knowledge graph's schema: {exc}") from exc
        self.stdout.write(f"Knowledge graph schema ready ({len(schema_statements())} statements).")

from django.core.management.base import BaseCommand, CommandError

from config.health import PROBES, check_all


class Command(BaseCommand):
    help = (
        "Reports each component (SQL, Redis, Neo4j, vector index, model server) as ok, degraded "
        "(some replicas down) or down, with the reason."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("components", nargs="*", help=f"only these of: {', '.join(PROBES)}")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        unknown = set(options["components"]) - set(PROBES)
        if unknown:
            raise CommandError(f"unknown components: {', '.join(sorted(unknown))}")
        results = check_all(options["components"] or None)
        for r in results:
            style = {"ok": self.style.SUCCESS, "degraded": self.style.WARNING}.get(r.status, self.style.ERROR)
            self.stdout.write(f"{r.name:<13} {style(r.status):<8}  {r.detail}")
        # Degraded (some model replicas down) still serves answers: not a failed check.
        if not all(r.is_ok for r in results):
            raise CommandError("some components are down")

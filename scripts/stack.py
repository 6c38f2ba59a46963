"""Starts, waits for and stops the services Kenning runs on a bare machine (no Docker engine).

Used by the README's two commands and by the pytest session fixtures:

    python -m scripts.stack start neo4j redis      # start and wait until ready
    python -m scripts.stack status
    python -m scripts.stack stop                   # stops only what this state dir started

Each profile ("dev", "test") has its own ports and state directory (var/<profile>/), so the
test run never touches a running dev stack. KENNING_MODEL_REPLICAS=N starts N model servers on
consecutive ports (the model port, +1, ...) and points clients at all of them (MODEL_SERVER_URLS);
KENNING_WORKER_REPLICAS=N starts N Celery workers. Every process started is recorded in a pid file;
`stop` only signals pids it recorded itself, and only when the process still runs the command
it started (a recycled pid is left alone).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER_DIR = ROOT / "services" / "neo4j-launcher"
PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)

DEFAULT_PORTS = {
    "dev": {"neo4j": 7687, "redis": 6379, "postgres": 5432, "index": 6333, "model": 8081, "web": 8000},
    "test": {"neo4j": 17687, "redis": 16379, "postgres": 15432, "index": 16333, "model": 18081, "web": 18000},
}


class StackError(Exception):
    """A service could not be started or stopped; the message names the fix."""


@dataclass
class Stack:
    profile: str = "dev"
    state_dir: Path = field(default_factory=lambda: ROOT / "var" / "dev")
    ports: dict[str, int] = field(default_factory=dict)
    python: str = sys.executable
    model_replicas: int = 1
    worker_replicas: int = 1

    @classmethod
    def for_profile(cls, profile: str) -> Stack:
        ports = dict(DEFAULT_PORTS[profile])
        for name in ports:
            override = os.environ.get(f"KENNING_{name.upper()}_PORT")
            if override:
                ports[name] = int(override)
        venv_python = ROOT / ".venv" / "bin" / "python"
        python = str(venv_python) if venv_python.exists() else sys.executable
        replicas = {k: _replicas(k) for k in ("KENNING_MODEL_REPLICAS", "KENNING_WORKER_REPLICAS")}
        return cls(
            profile,
            ROOT / "var" / profile,
            ports,
            python,
            replicas["KENNING_MODEL_REPLICAS"],
            replicas["KENNING_WORKER_REPLICAS"],
        )

    def count(self, name: str) -> int:
        return {"model": self.model_replicas, "worker": self.worker_replicas}.get(name, 1)

    def worker_node(self, name: str) -> str:
        """Celery node name of a worker instance ("worker" -> "kenning-test", "worker-2" ->
        "kenning-test-2"): what a version's ``claimed_by`` starts with while it ingests there."""
        return f"kenning-{self.profile}" + name[len("worker") :]

    def model_ports(self) -> list[int]:
        return [self.ports["model"] + i for i in range(self.model_replicas)]

    def instances(self, name: str) -> list[str]:
        """Pid-file names of a service's processes: "model", "model-2", ... for replicas."""
        names = [name] + [f"{name}-{i}" for i in range(2, self.count(name) + 1)]
        run = self.state_dir / "run"
        # Replicas started under a larger count are stopped too.
        extra = sorted(p.stem for p in run.glob(f"{name}-*.pid")) if run.is_dir() else []
        return names + [n for n in extra if n not in names and n[len(name) + 1 :].isdigit()]

    # --- paths and environment ---------------------------------------------------------------
    def log_path(self, name: str) -> Path:
        return self.state_dir / "log" / f"{name}.log"

    def pid_path(self, name: str) -> Path:
        return self.state_dir / "run" / f"{name}.pid"

    def data_dir(self, name: str) -> Path:
        return self.state_dir / "data" / name

    def env(self) -> dict[str, str]:
        """Environment for Django, the worker and the servers: points every client at this stack."""
        env = dict(os.environ)
        env.update(
            {
                "KENNING_VAR_DIR": str(self.state_dir),
                # Both profiles run on loopback with the public dev key: opt in explicitly.
                "KENNING_DEV": "true",
                "NEO4J_URL": f"bolt://127.0.0.1:{self.ports['neo4j']}",
                "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
                "QDRANT_URL": f"http://127.0.0.1:{self.ports['index']}",
                "QDRANT_PATH": str(self.data_dir("qdrant")),
                "MODEL_SERVER_URL": f"http://127.0.0.1:{self.ports['model']}",
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        if self.profile == "test":  # a smaller model server: tests generate a few tokens at a time
            for key, value in (
                # Fast models, and the MoE path exercised by routing: SmolLM2 answers lookups, its
                # upcycled MoE the large tier (the dev profile serves the Qwen models instead).
                ("MODEL_SMALL", "smollm2"),
                ("MODEL_LARGE", "smollm2-moe"),
                ("MODEL_MOE", ""),
                ("MODEL_N_CTX", "2048"),
                ("MODEL_PARALLEL", "2"),
                ("MODEL_MOE_ALLOWED_EXPERTS", ""),
                ("MODEL_KV_CACHE_RAM_MIB", "128"),
            ):
                env.setdefault(key, value)
        if self.model_replicas > 1:
            env["MODEL_SERVER_URLS"] = ",".join(f"http://127.0.0.1:{p}" for p in self.model_ports())
        env.pop("CELERY_BROKER_URL", None)
        env.pop("CELERY_RESULT_BACKEND", None)
        return env

    def postgres_url(self) -> str:
        return f"postgres://kenning:kenning@127.0.0.1:{self.ports['postgres']}/kenning"

    # --- process bookkeeping -----------------------------------------------------------------
    def running_pid(self, name: str) -> int | None:
        pid = self._recorded_pid(name)
        try:
            if pid is not None:
                os.kill(pid, 0)
                return pid
        except PermissionError:
            return None
        except ProcessLookupError:
            pass
        self.pid_path(name).unlink(missing_ok=True)  # gone, or a pid file that names no process
        return None

    def _recorded_pid(self, name: str) -> int | None:
        """The pid the service was started with, alive or not."""
        try:
            return int(self.pid_path(name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _spawn(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        user: str | None = None,
    ) -> int:
        for sub in ("log", "run"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True)
        log = self.log_path(name).open("ab")
        log.write(f"\n--- starting {name}: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env or self.env(),
            cwd=cwd,
            start_new_session=True,
            user=user,
        )
        self.pid_path(name).write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, name: str, timeout_s: float = 30) -> bool:
        """Stops a service this stack started, every replica of it (SIGTERM, then SIGKILL after
        timeout_s); True if anything was running."""
        return any([self._stop_one(n, timeout_s) for n in self.instances(name)])

    def _stop_one(self, name: str, timeout_s: float) -> bool:
        pid = self.running_pid(name)
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        self.pid_path(name).unlink(missing_ok=True)
        return True

    def stop_all(self) -> list[str]:
        stopped = []
        for service in reversed(SERVICE_ORDER):
            stopped += [n for n in self.instances(service) if self._stop_one(n, 30)]
        return stopped

    # --- waiting -----------------------------------------------------------------------------
    def wait_for(self, name: str, is_ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        # not running_pid: a child already gone and reaped must count as exited, not as never ready
        pid = self._recorded_pid(name)
        while time.monotonic() < deadline:
            if is_ready():
                return
            if pid is not None and not _alive(pid):
                raise StackError(f"{name} exited during start-up.\n{self.log_tail(name)}")
            time.sleep(0.3)
        raise StackError(f"{name} did not become ready within {timeout_s:.0f} s.\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.log_path(name)
        if not path.exists():
            return f"(no log at {path})"
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        return f"last lines of {path}:\n" + "\n".join("    " + line for line in tail)

    def check_port_free(self, name: str, port: int | None = None) -> None:
        port = port or self.ports[SERVICE_PORTS.get(name, name)]
        if port_open(port):
            env_name = f"KENNING_{SERVICE_PORTS.get(name, name).upper()}_PORT"
            raise StackError(
                f"port {port} for {name} is already in use by a process this stack did not start. "
                f"Stop that process or choose another port with {env_name}=N."
            )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def _require(binary: str, fix: str) -> str:
    path = shutil.which(binary)
    if not path:
        raise StackError(f"{binary} not found. {fix}")
    return path


def _http_ok(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 (loopback only)
            return 200 <= r.status < 300
    except OSError:
        return False


# --- services --------------------------------------------------------------------------------
def start_neo4j(stack: Stack) -> None:
    _require("java", "Install Java 17 (apt-get install -y openjdk-17-jre-headless) or run scripts/install.")
    jar = LAUNCHER_DIR / "target" / "neo4j-launcher-1.0.jar"
    if not jar.exists():
        raise StackError(
            f"{jar} is missing. Build it with scripts/install (needs Maven: apt-get install -y maven)."
        )
    port = stack.ports["neo4j"]
    home = stack.data_dir("neo4j")
    home.mkdir(parents=True, exist_ok=True)
    classpath = f"{jar}:{LAUNCHER_DIR / 'target' / 'lib'}/*"
    stack._spawn(
        "neo4j",
        [
            "java",
            "-Xms128m",
            "-Xmx512m",
            "-cp",
            classpath,
            "dev.kenning.Neo4jLauncher",
            str(home),
            str(port),
            "128m",
            "256m",
        ],
    )
    stack.wait_for(
        "neo4j",
        lambda: port_open(port) and "KENNING_NEO4J_READY" in _read(stack.log_path("neo4j")),
        timeout_s=120,
    )


def start_redis(stack: Stack) -> None:
    redis_server = _require(
        "redis-server", "Install it with scripts/install (apt-get install -y redis-server)."
    )
    port = stack.ports["redis"]
    data = stack.data_dir("redis")
    data.mkdir(parents=True, exist_ok=True)
    stack._spawn(
        "redis",
        [
            redis_server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
            "--daemonize",
            "no",
        ],
    )
    stack.wait_for("redis", lambda: port_open(port), timeout_s=20)


def start_postgres(stack: Stack) -> None:
    if not PG_BIN_CANDIDATES:
        raise StackError(
            "PostgreSQL not found. Install it with scripts/install (apt-get install -y postgresql)."
        )
    bin_dir = PG_BIN_CANDIDATES[0]
    data = stack.data_dir("postgres")
    user = "postgres" if os.geteuid() == 0 else None  # postgres refuses to run as root
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(data, user, user)
            for parent in [data.parent, stack.state_dir, stack.state_dir.parent]:
                parent.chmod(parent.stat().st_mode | 0o011)  # let the postgres user traverse
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
            user=user,
        )
    port = stack.ports["postgres"]
    sockdir = Path("/tmp")
    stack._spawn(
        "postgres",
        [
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(sockdir),
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
        ],
        user=user,
    )
    stack.wait_for("postgres", lambda: port_open(port), timeout_s=60)
    psql = [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc"]
    exists = subprocess.run(
        [*psql, "SELECT 1 FROM pg_roles WHERE rolname='kenning'"], capture_output=True, text=True
    )
    if exists.stdout.strip() != "1":
        subprocess.run(
            [*psql, "CREATE ROLE kenning LOGIN SUPERUSER PASSWORD 'kenning'"], check=True, capture_output=True
        )
        subprocess.run([*psql, "CREATE DATABASE kenning OWNER kenning"], check=True, capture_output=True)


def start_index(stack: Stack) -> None:
    port = stack.ports["index"]
    path = stack.data_dir("qdrant")
    path.mkdir(parents=True, exist_ok=True)
    stack._spawn(
        "index",
        [
            stack.python,
            "-m",
            "retrieval.index.server",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
    )
    stack.wait_for("index", lambda: _http_ok(f"http://127.0.0.1:{port}/collections"), timeout_s=60)


def start_model(stack: Stack) -> None:
    names = stack.instances("model")
    for i, (name, port) in enumerate(zip(names, stack.model_ports(), strict=False)):
        if stack.running_pid(name) is not None:
            continue
        if i:
            stack.check_port_free(name, port)
        env = stack.env()
        if i:  # each replica its own disk KV cache (settings.VAR_DIR / "kv-cache")
            env["KENNING_VAR_DIR"] = str(stack.state_dir / name)
        argv = [stack.python, "manage.py", "run_model_server", "--host", "127.0.0.1", "--port", str(port)]
        stack._spawn(name, argv, env=env)
    for name, port in zip(names, stack.model_ports(), strict=False):
        stack.wait_for(name, lambda port=port: _http_ok(f"http://127.0.0.1:{port}/health"), timeout_s=300)


def start_worker(stack: Stack) -> None:
    for name in stack.instances("worker")[: stack.worker_replicas]:
        if stack.running_pid(name) is None:
            _start_one_worker(stack, name, stack.worker_node(name))


def _start_one_worker(stack: Stack, name: str, node: str) -> None:
    argv = [
        stack.python,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "1",
        "--hostname",
        f"{node}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    stack._spawn(name, argv)
    stack.wait_for(
        name,
        lambda: "ready." in _read(stack.log_path(name)).split(f"--- starting {name}")[-1],
        timeout_s=120,
    )


def start_web(stack: Stack) -> None:
    port = stack.ports["web"]
    argv = [
        stack.python,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "-c",  # warms retrieval up after the start (apps/qa/warmup.py)
        "python:config.gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        "1",
        "--threads",
        "16",
        "--timeout",
        "300",
    ]
    stack._spawn("web", argv)
    stack.wait_for("web", lambda: port_open(port), timeout_s=60)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


STARTERS: dict[str, Callable[[Stack], None]] = {
    "postgres": start_postgres,
    "neo4j": start_neo4j,
    "redis": start_redis,
    "index": start_index,
    "model": start_model,
    "worker": start_worker,
    "web": start_web,
}
SERVICE_ORDER = list(STARTERS)
SERVICE_PORTS = {"worker": "redis"}


def _replicas(variable: str) -> int:
    raw = os.environ.get(variable, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 8:
        raise StackError(f"{variable}={raw!r} must be a whole number from 1 to 8")
    return int(raw)


def start(stack: Stack, names: list[str]) -> list[str]:
    """Starts the named services that are not already running; returns the ones it started."""
    started = []
    for name in [n for n in SERVICE_ORDER if n in names]:
        wanted = stack.instances(name)[: stack.count(name)]
        if all(stack.running_pid(n) is not None for n in wanted):
            continue
        if name != "worker" and stack.running_pid(name) is None:
            stack.check_port_free(name)
        STARTERS[name](stack)
        started.append(name)
    return started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.stack", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=sorted(DEFAULT_PORTS), default="dev")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("start", "stop"):
        p = sub.add_parser(command)
        p.add_argument("services", nargs="*", metavar="SERVICE", help=", ".join(SERVICE_ORDER))
    sub.add_parser("status")
    sub.add_parser("env", help="print the environment variables that point clients at this stack")
    args = parser.parse_args(argv)
    stack = Stack.for_profile(args.profile)
    unknown = set(getattr(args, "services", [])) - set(SERVICE_ORDER)
    if unknown:
        parser.error(
            f"unknown services: {', '.join(sorted(unknown))} (choose from {', '.join(SERVICE_ORDER)})"
        )
    try:
        if args.command == "start":
            for name in args.services or SERVICE_ORDER:
                print(f"  starting {name} …", flush=True)
                began = time.monotonic()
                start(stack, [name])
                print(f"  {name} ready ({time.monotonic() - began:.1f} s)", flush=True)
        elif args.command == "stop":
            names = args.services or list(reversed(SERVICE_ORDER))
            stopped = [n for service in names for n in stack.instances(service) if stack._stop_one(n, 30)]
            print("stopped: " + (", ".join(stopped) or "nothing (no service of this stack was running)"))
        elif args.command == "status":
            for name in [n for service in SERVICE_ORDER for n in stack.instances(service)]:
                pid = stack.running_pid(name)
                print(f"{name:<9} {'running pid ' + str(pid) if pid else 'stopped'}")
        elif args.command == "env":
            keys = ("NEO4J_URL", "REDIS_URL", "QDRANT_URL", "MODEL_SERVER_URL")
            keys += ("MODEL_SERVER_URLS", "KENNING_VAR_DIR", "KENNING_DEV")
            env = stack.env()
            for key in (k for k in keys if k in env):
                print(f"export {key}={env[key]}")
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        print(f"error: {' '.join(map(str, e.cmd))} failed with exit code {e.returncode}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

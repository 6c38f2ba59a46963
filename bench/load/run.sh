#!/usr/bin/env bash
# One whole load run on the dev stack, for the heavy slot: start the stack (scripts/up) with the
# login limit raised (all simulated users log in from 127.0.0.1; ASK_RATE stays at its default,
# 10/min per user, which a user asking every ~40 s never reaches), wait for the demo ingest,
# create the users, sample memory, run locust headless, sample again, report, stop the stack.
#
#   /tmp/kenning/heavy bench/load/run.sh            # USERS=50 RUN_S=600 BUDGET_S=1140
#
# The slot kills a run after 20 minutes: the locust time is cut to what the budget leaves after
# start-up (the report says how long it really ran). Output: var/load/ (report.json, run_*.csv).
set -uo pipefail
cd "$(dirname "$0")/../.."
USERS=${USERS:-50}
RUN_S=${RUN_S:-600}
BUDGET_S=${BUDGET_S:-1140}
export KENNING_LOAD_DIR=${KENNING_LOAD_DIR:-var/load}
export LOGIN_RATE=${LOGIN_RATE:-1000/min}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
PY=.venv/bin/python
mkdir -p "$KENNING_LOAD_DIR"
rm -f "$KENNING_LOAD_DIR"/run_*.csv "$KENNING_LOAD_DIR"/model-queue.jsonl "$KENNING_LOAD_DIR"/refusals.json
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  scripts/down >/dev/null 2>&1
}
trap cleanup EXIT
t0=$SECONDS
echo "== $(date -u +%T) scripts/up (LOGIN_RATE=$LOGIN_RATE, ASK_RATE=${ASK_RATE:-default 10/min})"
scripts/up || exit 1
eval "$($PY -m scripts.stack env)"
echo "== $(date -u +%T) waiting for the demo ingest (up $((SECONDS - t0)) s)"
$PY -m bench.load.wait_ingest --timeout-s 420
$PY -m bench.load.prepare --users "$USERS" --out "$KENNING_LOAD_DIR/users.json"
$PY -m bench.load.memory --out "$KENNING_LOAD_DIR/memory-before.json"
documents() { $PY manage.py shell --no-imports -c "from apps.documents.models import Document as D; print(D.objects.filter(is_deleted=False).count())" 2>/dev/null; }
echo "== documents before: $(documents)"
left=$((BUDGET_S - (SECONDS - t0) - 60))
run_s=$((left < RUN_S ? left : RUN_S))
echo "== $(date -u +%T) locust: $USERS users for $run_s s (set-up took $((SECONDS - t0)) s)"
since=$(date +%s)
$PY -m bench.load.model_queue --out "$KENNING_LOAD_DIR/model-queue.jsonl" &
sampler=$!
.venv/bin/locust -f bench/load/locustfile.py --host "http://127.0.0.1:8000" --headless \
  -u "$USERS" -r 2 -t "${run_s}s" --stop-timeout 30 --csv "$KENNING_LOAD_DIR/run" --only-summary \
  > "$KENNING_LOAD_DIR/locust.log" 2>&1
echo "locust exit $?"
kill "$sampler" 2>/dev/null; sampler=
$PY -m bench.load.memory --out "$KENNING_LOAD_DIR/memory-after.json"
echo "== documents after: $(documents)"
$PY -m bench.load.report --dir "$KENNING_LOAD_DIR" --since "$since"
tail -40 "$KENNING_LOAD_DIR/locust.log"
echo "== $(date -u +%T) done in $((SECONDS - t0)) s"

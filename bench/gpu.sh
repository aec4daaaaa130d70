#!/usr/bin/env bash
# The speech-recognition bench on a GPU machine: the engine asks for the CUDA execution provider
# (CUDA 12 and cuDNN 9 libraries must be on the library path) and falls back to the CPU with the
# reason in its log when they are missing; the result records which provider actually ran.
# Usage: bench/gpu.sh [cuda|webgpu]   (results in bench/results/asr-gpu.json)
set -euo pipefail
cd "$(dirname "$0")/.."
provider="${1:-cuda}"
[ -d node_modules ] || npm ci
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "no nvidia-smi: the engine will fall back to the CPU"
node --import tsx bench/asr/run.ts --provider "$provider" --name asr-gpu --no-readme "${@:2}"

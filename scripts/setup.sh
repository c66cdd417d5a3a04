#!/usr/bin/env bash
# Sets up rlvr on a fresh Debian/Ubuntu machine: the bubblewrap sandbox and a virtual environment
# (.venv) with rlvr installed in editable mode. Safe to run again; it only does what is missing.
#   EXTRAS=dev scripts/setup.sh          # choose pip extras (default: every extra but vllm and datasets)
#   TORCH_SPEC='torch==2.6.0' ...         # which torch to install first when an extra needs it
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${EXTRAS:-dev,llm,search,parity,control,robotics,swe,dist,bench}"
# torch is installed on its own first so that pip resolves the extras against it instead of
# pulling the newest (multi-GB CUDA) build; 2.13.0 is the CPU build this project is tested with.
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
# Offscreen OpenGL for the VLA envs' camera images on a CPU: Mesa's EGL (or OSMesa, if already there).
ldconfig -p 2>/dev/null | grep -q 'libEGL_mesa.so\|libOSMesa.so' || need_apt+=(libegl-mesa0 libegl1 libopengl0 libgl1-mesa-dri)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${need_apt[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "setup: missing ${need_apt[*]}; install it (e.g. 'sudo apt-get install ${need_apt[*]}') and run this again" >&2
        exit 1
    fi
fi

# Docker for rlvr/SWE-v0's docker sandbox (images are built locally with mmdebstrap; nothing is
# pulled). Optional: installed when we are root with apt (as in CI), otherwise its tests skip.
if ! command -v dockerd >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${RLVR_NO_DOCKER:-0}" != 1 ]; then
        echo "setup: installing docker.io and mmdebstrap with apt-get (RLVR_NO_DOCKER=1 skips this)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io mmdebstrap >/dev/null; } \
            || echo "setup: could not install docker.io/mmdebstrap; the docker sandbox tests will skip" >&2
    else
        echo "setup: no Docker engine (apt-get install docker.io mmdebstrap to enable the docker sandbox)"
    fi
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.rlvr-installed-$(cat pyproject.toml setup.py | sha1sum | cut -c1-12)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
    echo "setup: installing rlvr[$EXTRAS] into .venv"
    log=.venv/setup.log
    pip_install() {
        .venv/bin/python -m pip install "$@" >>"$log" 2>&1 || {
            tail -n 30 "$log" >&2
            echo "setup: 'pip install $*' failed (full log: $log)" >&2
            exit 1
        }
    }
    : >"$log"
    pip_install --upgrade pip
    if [[ ",$EXTRAS," =~ ,(llm|vllm|control|robotics|parity|all), ]] && ! .venv/bin/python -c "import torch" 2>/dev/null; then
        echo "setup: installing $TORCH_SPEC"
        pip_install "$TORCH_SPEC"
    fi
    pip_install -e ".[$EXTRAS]"
    .venv/bin/python -c "import rlvr" # fail loudly if the install did not work
    rm -f .venv/.rlvr-installed-*
    touch "$stamp"
fi
echo "setup: ready (.venv/bin/rlvr)"

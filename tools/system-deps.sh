#!/usr/bin/env bash
# The Debian packages that `make book` and `make test` need besides Python:
# Chromium (the PDF and the browser tests), poppler (reading the PDF), the fonts the
# book is printed in (DejaVu, Noto CJK for its 中文 terms), Node.js/npm (MathJax and
# mermaid, pinned by package-lock.json) and python3-venv.
#
# Whatever is missing is installed with apt-get when this runs as root; otherwise the
# script stops at once and prints the one command that installs it. Called by the
# Makefile before the steps that need these tools; it returns at once when nothing is
# missing.
set -euo pipefail

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v npm >/dev/null || need+=(nodejs npm)
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
if command -v fc-list >/dev/null; then
    fonts="$(fc-list 2>/dev/null || true)"
else
    fonts=""
    need+=(fontconfig)
fi
grep -qi "DejaVu Sans" <<<"$fonts" || need+=(fonts-dejavu-core)
grep -qi "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk)

((${#need[@]})) || exit 0

command -v apt-get >/dev/null || {
    echo "system-deps: missing ${need[*]}, and this is not a Debian-like system (no apt-get):"
    echo "system-deps: install them with your package manager, then run make again."
    exit 1
}
if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing ${need[*]}. Install them with:"
    echo
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}"
    echo
    exit 1
fi
echo "system-deps: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"

#!/usr/bin/env bash
# The main job: set up, build, then start the desktop app (build/bin/vole-desktop).
# Without a display (no $DISPLAY / $WAYLAND_DISPLAY) there is nothing to show the app on:
# it reports the GPU Vole would use instead (`vole devices`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/packaging/build.sh"
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -x "$root/build/bin/vole-desktop" ]]; then
  exec "$root/build/bin/vole-desktop" "$@"
fi
echo "run.sh: no display (or vole-desktop not built): showing the devices Vole can use instead" >&2
"$root/build/bin/vole" devices

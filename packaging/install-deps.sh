#!/usr/bin/env bash
# Installs every Debian package Vole needs to build, run and test.
# Idempotent: packages already present are skipped, so re-running is cheap.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ccache lld
  # Vulkan compute: loader + headers, Mesa's CPU driver (lavapipe), GLSL->SPIR-V compiler
  libvulkan-dev vulkan-tools mesa-vulkan-drivers glslc spirv-tools vulkan-validationlayers
  # engine libraries
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libpcre2-dev libicu-dev libxxhash-dev ca-certificates
  # image decoding (engine/image): PNG, JPEG, WebP, GIF
  libpng-dev libjpeg62-turbo-dev libwebp-dev libgif-dev
  # audio: decoding WAV/FLAC/Ogg/MP3 (libsndfile, MP3 through libmpg123), resampling (libsoxr),
  # voice activity detection (WebRTC's VAD; Debian 12 has no libfvad)
  libsndfile1-dev libsoxr-dev libwebrtc-audio-processing-dev
  # PyTorch zip checkpoints and NeMo archives, DOCX/ODT containers (libzip); the espeak-ng voice
  libzip-dev libespeak-ng-dev libyaml-dev
  # knowledge base: PDF text (poppler), HTML and XML (libxml2)
  libpoppler-cpp-dev libxml2-dev
  # the OpenAI-compatible API server (engine/server)
  libcpp-httplib-dev
  # the desktop app's secrets in the desktop keyring (Secret Service); gnome-keyring
  # only for the test that runs a real keyring headless
  libsecret-1-dev gnome-keyring
  # tests: GoogleTest, jinja2 oracle for chat templates, npm for the tokenizer oracle;
  # clang with its sanitizer and libFuzzer runtimes for the bounded fuzzing step
  libgtest-dev libgmock-dev python3 python3-jinja2 nodejs npm clang libclang-rt-14-dev
  # audio tests: sox writes every test file type (MP3 through libsox-fmt-mp3), espeak-ng speaks
  sox libsox-fmt-base libsox-fmt-mp3 espeak-ng
  # desktop app: Qt 6 + QML modules (libqt6svg6: the SVG icons), and for its window tests
  # Xvfb (headless X server), xdotool (real input events), imagemagick (screenshots)
  qt6-base-dev qt6-declarative-dev qt6-multimedia-dev libgl-dev libqt6svg6
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qtquick-dialogs qml6-module-qtcore qml6-module-qt-labs-platform
  qml6-module-qtmultimedia xvfb xauth xdotool imagemagick
  # voice input and read-aloud tests: a private PulseAudio server (virtual microphone, null sink)
  pulseaudio pulseaudio-utils
)

missing=()
for p in "${PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. a newer Node on the PATH); accept that.
  if [[ $p == nodejs || $p == npm ]] && command -v "${p/nodejs/node}" >/dev/null 2>&1; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Builds a libFuzzer harness with clang (libFuzzer + ASan + UBSan) and runs it. Not part
# of CI (tests/run.sh runs the deterministic mutation tests instead).
# Usage: tests/fuzz/run.sh [safetensors|image] [seconds, default 60]
#   (a number alone as the first argument keeps the old form: safetensors, that long)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="safetensors"
if [[ $# -gt 0 && ! $1 =~ ^[0-9]+$ ]]; then target="$1"; shift; fi
seconds="${1:-60}"
out="${VOLE_FUZZ_DIR:-$root/build-fuzz}/$target"
mkdir -p "$out/corpus" "$out/seeds"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$root/engine")

case "$target" in
safetensors)
  clang++ "${flags[@]}" \
    "$root/tests/fuzz/fuzz_safetensors_header.cpp" \
    "$root/engine/model/safetensors.cpp" "$root/engine/model/json_util.cpp" \
    "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" \
    -o "$out/fuzz"
  # Seeds: small valid files covering every field, metadata, several dtypes.
  python3 - "$out/seeds" <<'PY'
import json, struct, sys, os
d = sys.argv[1]
def write(name, header, data):
    h = json.dumps(header).encode()
    open(os.path.join(d, name), "wb").write(struct.pack("<Q", len(h)) + h + data)
write("one", {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, bytes(16))
write("meta", {"__metadata__": {"format": "pt"}, "a": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
               "b": {"dtype": "U32", "shape": [1, 2], "data_offsets": [6, 14]},
               "c": {"dtype": "I8", "shape": [0], "data_offsets": [14, 14]}}, bytes(14))
write("empty", {}, b"")
PY
  max_len=4096
  ;;
image)
  image="$root/engine/image"
  clang++ "${flags[@]}" $(pkg-config --cflags libpng libjpeg libwebp libwebpdemux) \
    "$root/tests/fuzz/fuzz_image_decode.cpp" \
    "$image/decode.cpp" "$image/decode_png.cpp" "$image/decode_jpeg.cpp" "$image/decode_webp.cpp" \
    "$image/decode_gif.cpp" "$image/decode_bmp.cpp" "$image/exif_orientation.cpp" \
    "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" \
    $(pkg-config --libs libpng libjpeg libwebp libwebpdemux) -lgif \
    -o "$out/fuzz"
  # Seeds: one small file per format and variant, written by ImageMagick.
  s="$out/seeds"
  convert -size 13x9 gradient:red-blue "$s/a.png"
  convert -size 13x9 gradient:red-blue -alpha set -channel A -evaluate set 50% "png32:$s/b.png"
  convert -size 13x9 gradient:red-blue -interlace PNG "png8:$s/c.png"
  convert -size 13x9 gradient:red-blue -quality 80 "$s/d.jpg"
  convert -size 13x9 gradient:red-blue -interlace Plane "$s/e.jpg"
  convert -size 13x9 gradient:red-blue -colorspace CMYK "$s/f.jpg"
  convert -size 13x9 gradient:red-blue "$s/g.webp"
  convert -size 13x9 gradient:red-blue -define webp:lossless=true "$s/h.webp"
  convert -size 13x9 gradient:red-blue -interlace GIF "$s/i.gif"
  convert -size 13x9 gradient:red-blue "bmp3:$s/j.bmp"
  convert -size 13x9 gradient:red-blue -alpha set "bmp:$s/k.bmp"
  max_len=65536
  ;;
*)
  echo "unknown target: $target (safetensors or image)" >&2
  exit 2
  ;;
esac

"$out/fuzz" -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 "$out/corpus" "$out/seeds"

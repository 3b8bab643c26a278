#!/usr/bin/env bash
# Builds the image decoder fuzzer with clang (libFuzzer + ASan + UBSan; the codec
# libraries are the system's, uninstrumented) and runs it on seeds of every format and
# variant, written by ImageMagick. CI runs it briefly (tests/fuzz/ci.sh).
# Usage: tests/fuzz/run_image.sh [seconds, default 60]
set -euo pipefail
source "$(dirname "$0")/common.sh"
fuzz_setup image "${1:-60}"
image="$root/engine/image"
fuzz_build fuzz_image_decode $(pkg-config --cflags libpng libjpeg libwebp libwebpdemux) \
  "$root/tests/fuzz/fuzz_image_decode.cpp" \
  "$image/decode.cpp" "$image/decode_png.cpp" "$image/decode_jpeg.cpp" "$image/decode_webp.cpp" \
  "$image/decode_gif.cpp" "$image/decode_bmp.cpp" "$image/exif_orientation.cpp" \
  "$root/engine/util/error.cpp" "$root/engine/util/file.cpp" \
  $(pkg-config --libs libpng libjpeg libwebp libwebpdemux) -lgif
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
"$out/fuzz_image_decode" -max_total_time="$seconds" ${VOLE_FUZZ_SEED:+-seed=$VOLE_FUZZ_SEED} -artifact_prefix="$out/" -max_len=65536 -print_final_stats=1 "$out/corpus" "$s"

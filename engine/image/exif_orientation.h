#pragma once
// The EXIF orientation of a photo and the transform that makes it upright.
//
// Only one value of the EXIF block is needed (tag 0x0112 of IFD0), so rather than a
// general EXIF library (with maker-note parsers for dozens of camera vendors: a large
// surface for hostile files, and none of it used) this is a bounded reader of that one
// tag: every offset is checked against the block, nothing is allocated.
#include <cstdint>
#include <span>

#include "image/image.h"

namespace vole::image {

// The orientation (1..8) in a JPEG APP1 payload ("Exif\0\0" + TIFF structure); 1 when
// the payload is not EXIF, has no orientation tag, or is damaged.
int exif_orientation(std::span<const uint8_t> app1_payload);

// The upright image for an EXIF orientation: 2 mirror, 3 rotate 180, 4 flip, 5
// transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise (what
// Pillow's ImageOps.exif_transpose and ImageMagick's -auto-orient do). 1 or any other
// value returns the image unchanged.
RgbImage apply_exif_orientation(RgbImage img, int orientation);

}  // namespace vole::image

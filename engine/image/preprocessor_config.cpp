#include "image/preprocessor_config.h"

#include "model/json_util.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::image {

namespace {

using model::json;
using model::JsonObject;

// image_mean / image_std: one number for every channel, or one per channel.
std::array<double, 3> channel_values(const JsonObject& o, const char* key, std::array<double, 3> fallback) {
  const json* v = o.find(key);
  if (!v) return fallback;
  if (v->is_number()) return {v->get<double>(), v->get<double>(), v->get<double>()};
  if (!v->is_array() || v->size() != 3) o.fail_field(key, "must be a number or a list of 3 numbers");
  std::array<double, 3> out;
  for (size_t i = 0; i < 3; ++i) {
    if (!(*v)[i].is_number()) o.fail_field(key, "must be a number or a list of 3 numbers");
    out[i] = (*v)[i].get<double>();
  }
  return out;
}

}  // namespace

PreprocessorConfig parse_preprocessor_config(std::string_view text, const std::string& label) {
  json doc = model::parse_json(text, label);
  if (!doc.is_object()) fail(ErrorCode::InvalidFile, label + ": expected a JSON object");
  JsonObject o(doc, label);
  PreprocessorConfig c;
  if (o.has("size")) {
    JsonObject size = o.child("size");
    c.min_pixels = size.get_int("shortest_edge", size.get_int("min_pixels", c.min_pixels));
    c.max_pixels = size.get_int("longest_edge", size.get_int("max_pixels", c.max_pixels));
  }
  c.min_pixels = o.get_int("min_pixels", c.min_pixels);
  c.max_pixels = o.get_int("max_pixels", c.max_pixels);
  c.patch_size = static_cast<int>(o.get_int("patch_size", c.patch_size));
  c.temporal_patch_size = static_cast<int>(o.get_int("temporal_patch_size", c.temporal_patch_size));
  c.merge_size = static_cast<int>(o.get_int("merge_size", c.merge_size));
  c.image_mean = channel_values(o, "image_mean", c.image_mean);
  c.image_std = channel_values(o, "image_std", c.image_std);
  c.rescale_factor = o.get_double("rescale_factor", c.rescale_factor);
  c.do_resize = o.get_bool("do_resize", c.do_resize);
  c.do_rescale = o.get_bool("do_rescale", c.do_rescale);
  c.do_normalize = o.get_bool("do_normalize", c.do_normalize);

  constexpr int64_t kBicubic = 3;  // PIL's resample code, the only filter implemented
  if (o.get_int("resample", kBicubic) != kBicubic)
    fail(ErrorCode::Unsupported,
         label + ": resample " + std::to_string(o.get_int("resample")) + " is not supported (only bicubic, 3)");
  if (c.patch_size < 1 || c.patch_size > 1024) o.fail_field("patch_size", "must be between 1 and 1024");
  if (c.temporal_patch_size < 1 || c.temporal_patch_size > 16)
    o.fail_field("temporal_patch_size", "must be between 1 and 16");
  if (c.merge_size < 1 || c.merge_size > 16) o.fail_field("merge_size", "must be between 1 and 16");
  if (c.min_pixels < 1 || c.max_pixels < c.min_pixels || c.max_pixels > (int64_t{1} << 40))
    o.fail_field("size", "needs 1 <= min_pixels (shortest_edge) <= max_pixels (longest_edge)");
  for (int i = 0; i < 3; ++i)
    if (!(c.image_std[i] > 0)) o.fail_field("image_std", "must be positive");
  if (!(c.rescale_factor > 0)) o.fail_field("rescale_factor", "must be positive");
  return c;
}

PreprocessorConfig load_preprocessor_config(const std::filesystem::path& path) {
  std::filesystem::path file = std::filesystem::is_directory(path) ? path / "preprocessor_config.json" : path;
  if (!std::filesystem::exists(file))
    fail(ErrorCode::NotFound, file.string() + ": missing (the model folder has no image preprocessor settings)");
  return parse_preprocessor_config(read_text_file(file), file.string());
}

}  // namespace vole::image

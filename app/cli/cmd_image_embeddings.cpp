// `vole image-embeddings`: the vision tower's output for one image, for parity tests
// against the project's CPU reference or any outside implementation.
#include <cstdio>
#include <cstring>

#include "arch/families.h"
#include "command.h"
#include "engine_args.h"
#include "image/decode.h"
#include "model/model_folder.h"
#include "runtime/vision.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::cli {

static int run_image_embeddings(Args& args) {
  // Only -m, --device, --weights and --gpu-memory of the model options apply here.
  ModelArgs model_args = parse_model_args(args, model::Format::F16);
  std::string image_file = args.require({"--image"});
  std::string out_file = args.require({"--out"});
  int64_t max_pixels = args.get_int({"--max-pixels"}, 0);
  args.finish();
  require(max_pixels >= 0, "--max-pixels must be positive");
  image::DecodedImage picture = image::load_image(image_file);

  auto device = std::make_shared<runtime::Device>(
      runtime::DeviceOptions{model_args.options.device, model_args.options.gpu_memory_limit});
  model::ModelFolder folder(model_args.dir, arch::families());
  runtime::VisionOptions options;
  options.weights = model_args.options.weights;
  options.cache = model_args.options.cache;
  runtime::VisionTower tower(device, model_args.dir, folder.config(), arch::families(), nullptr, options);
  image::PreprocessorConfig config = tower.preprocessor();
  if (max_pixels > 0) {
    require(max_pixels >= config.min_pixels, "--max-pixels " + std::to_string(max_pixels) +
                                                 " is below the model's min_pixels " +
                                                 std::to_string(config.min_pixels));
    config.max_pixels = max_pixels;
  }
  // The model's pixel budget (or --max-pixels) alone: no token cap.
  std::vector<image::PreprocessedImage> pre{image::preprocess_image(picture.image, config, {.max_image_tokens = 0})};
  runtime::EncodedImage encoded = tower.encode(pre).at(0);

  std::vector<float> rows(encoded.embeddings.numel());
  device->gpu().download(*encoded.memory, encoded.embeddings.data.offset, rows.data(), rows.size() * 4);
  std::vector<uint8_t> bytes(rows.size() * 4);
  std::memcpy(bytes.data(), rows.data(), bytes.size());  // little-endian hosts only (as the engine)
  write_output_file(out_file, bytes);
  std::printf("%lld %lld %lld\n", static_cast<long long>(pre[0].grid.h), static_cast<long long>(pre[0].grid.w),
              static_cast<long long>(encoded.tokens()));
  return 0;
}

VOLE_COMMAND("image-embeddings",
             "-m DIR --image FILE --out OUT.f32 [--max-pixels N] [--weights f16|f32|source|q4]  writes the vision "
             "tower's output, float32 [N_image_tokens, out_hidden], prints grid_h grid_w N",
             run_image_embeddings);

}  // namespace vole::cli

#pragma once
// The engine worker's side of a prompt's pictures: the stored files a GenerationJob names
// are decoded and preprocessed for the loaded model's vision tower (loaded first, with
// progress), in the order the conversation shows them. Stop is honoured between steps.
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine_jobs.h"
#include "runtime/chat.h"
#include "runtime/engine.h"
#include "runtime/vision.h"

namespace vole::desktop {

using ImageProgress = std::function<void(double fraction, const std::string& stage)>;

// Fills request.images from `files`, each costing at most `max_image_tokens` LLM tokens
// (the chat's cap; the model's own range still applies). Throws Unsupported for a model that cannot see,
// the tower's error when its tensors are missing, the decoder's naming a bad file, and
// Cancelled when `cancel` is set.
void add_prompt_images(runtime::ChatRequest& request, const std::vector<std::filesystem::path>& files,
                       runtime::VisionTower& tower, int64_t max_image_tokens, const std::atomic<bool>& cancel,
                       const ImageProgress& progress);

// Whether the loaded model can see (its family has a vision tower) and whether its vision
// tensors were downloaded (Vole's manifest says which parts it fetched; a folder Vole did
// not download is taken as whole, and a missing tensor is reported when an image is sent).
void describe_vision(const runtime::Engine& engine, ModelInfo& info);

}  // namespace vole::desktop

#pragma once
// `vole run --remote URL --model NAME`: one prompt answered by an OpenAI-compatible
// server elsewhere (engine/remote), streamed to stdout like a local answer.
#include "args.h"

namespace vole::cli {

int run_remote(Args& args, const std::string& url);

}  // namespace vole::cli

#pragma once
// YAML (a NeMo archive's model_config.yaml) read into JSON values through libyaml's
// document loader, so configs are then read with the same typed, labelled accessors as
// config.json (JsonObject). Plain scalars that read as integers, reals, booleans or null
// become those; everything else is a string. Anchors/aliases, more than one document,
// nesting beyond `max_depth` and over 1 MiB of text are refused (InvalidFile).
#include <string>
#include <string_view>

#include "model/json_util.h"

namespace vole::model {

json parse_yaml(std::string_view text, const std::string& label, int max_depth = 32);

}  // namespace vole::model

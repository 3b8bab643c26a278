#include "arch/text_decoder.h"

namespace vole::arch {

std::vector<Input> TextDecoder::inputs() const {
  return {Input::TokenIds, Input::Embeddings, dims().position_rows == 3 ? Input::PositionTriples : Input::Positions};
}

}  // namespace vole::arch

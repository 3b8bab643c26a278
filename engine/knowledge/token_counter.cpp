#include "knowledge/token_counter.h"

#include "text/tokenizer.h"

namespace vole::knowledge {

size_t TokenizerCounter::count(std::string_view text) const { return tokenizer_.encode(text, false).size(); }

}  // namespace vole::knowledge

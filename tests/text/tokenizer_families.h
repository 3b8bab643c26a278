#pragma once
// Small tokenizer.json files with the structure of the coming model families' real ones
// (our own construction from what their files hold; see docs/specs/tokenizer_json.md):
//   - Moonshine (UsefulSensors/moonshine-tiny): SentencePiece-style BPE as HF converts a
//     Llama tokenizer.model: Prepend + Replace normalizer, no pre-tokenizer, byte
//     fallback, the Llama decoder chain, <unk>/<s>/</s> at ids 0..2 and the special
//     "<<ST_n>>" tokens as added tokens right after the base vocabulary;
//   - LFM2 (LiquidAI/LFM2-350M): byte-level BPE: a Split with the Llama 3 pattern, then
//     ByteLevel without its own regex; special tokens at ids 0..7 (<|pad|>,
//     <|startoftext|>, …, <|im_start|>, <|im_end|>); the post-processor adds
//     <|startoftext|> (id 1) before a text.
// Both vocabularies are tiny: just the merges the tests need.
#include "text/tokenizer_fixture.h"

namespace vole::test {

// "<<ST_0>>".."<<ST_{st_tokens-1}>>" follow the base vocabulary.
Json moonshine_style_json(int st_tokens = 8);
Json lfm2_style_json();

// The Llama 3 split pattern LFM2's tokenizer.json uses (test data).
extern const char* const kLlama3Pattern;

}  // namespace vole::test

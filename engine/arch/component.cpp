#include "arch/component.h"

namespace vole::arch {

const char* input_name(Input i) {
  switch (i) {
    case Input::TokenIds:
      return "token ids";
    case Input::Embeddings:
      return "embeddings";
    case Input::Positions:
      return "positions";
    case Input::PositionTriples:
      return "position triples";
    case Input::EncoderOutput:
      return "encoder output";
    case Input::ImagePatches:
      return "image patches";
    case Input::AudioSamples:
      return "audio samples";
    case Input::CodecCodes:
      return "codec codes";
  }
  return "?";
}

const char* output_name(Output o) {
  switch (o) {
    case Output::Logits:
      return "logits";
    case Output::HiddenStates:
      return "hidden states";
    case Output::PooledVectors:
      return "pooled vectors";
    case Output::AudioSamples:
      return "audio samples";
  }
  return "?";
}

const char* state_kind_name(StateKind k) {
  switch (k) {
    case StateKind::SelfAttentionKv:
      return "self-attention KV";
    case StateKind::CrossAttentionKv:
      return "cross-attention KV";
    case StateKind::ConvWindow:
      return "conv window";
    case StateKind::Recurrent:
      return "recurrent state";
  }
  return "?";
}

uint64_t StateSlot::bytes() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n * dtype_size(dtype);
}

}  // namespace vole::arch

#include "text/tokenizer_families.h"

namespace vole::test {

const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

Json moonshine_style_json(int st_tokens) {
  SentencePieceSpec spec;
  spec.merges = hello_world_merges();
  spec.chars = std::string(kMarker) + "abcdefghijklmnopqrstuvwxyz.,'?";
  Json j = sentencepiece_json(spec);
  int next = static_cast<int>(j["model"]["vocab"].size());
  for (int i = 0; i < st_tokens; ++i)
    j["added_tokens"].push_back(added_token(next + i, "<<ST_" + std::to_string(i) + ">>", true));
  return j;
}

Json lfm2_style_json() {
  const std::vector<std::string> specials = {"<|pad|>",     "<|startoftext|>", "<|endoftext|>", "<|fim_pre|>",
                                             "<|fim_mid|>", "<|fim_suf|>",     "<|im_start|>",  "<|im_end|>"};
  ByteLevelVocab v(static_cast<int>(specials.size()));
  Json added = Json::array();
  for (size_t id = 0; id < specials.size(); ++id) {
    added.push_back(added_token(int(id), specials[id], true));
    v.vocab[specials[id]] = id;
  }
  Json merges = v.add_merges({{"l", "l"},
                              {"H", "e"},
                              {"He", "ll"},
                              {"Hell", "o"},
                              {" ", "w"},
                              {"o", "r"},
                              {" w", "or"},
                              {"l", "d"},
                              {" wor", "ld"},
                              {"u", "s"},
                              {"us", "e"},
                              {"use", "r"},
                              {"H", "i"},
                              {"1", "2"},
                              {"12", "3"},
                              {"4", "5"},
                              {"I", "t"},
                              {"'", "s"}},
                             true);
  Json& vocab = v.vocab;
  Json byte_level =
      Json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}};
  Json post_byte_level =
      Json{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
  return Json{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"}, {"pretokenizers", Json::array({split_pre_tokenizer(kLlama3Pattern), byte_level})}}},
      {"post_processor",
       {{"type", "Sequence"},
        {"processors", Json::array({post_byte_level, template_processing({{"<|startoftext|>", 1}})})}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         Json::array(
             {Json{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}})}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", merges}}}};
}

}  // namespace vole::test

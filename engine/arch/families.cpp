#include "arch/families.h"

#include "arch/gemma3_text/gemma3_text.h"
#include "arch/lfm2/lfm2.h"
#include "arch/moonshine/moonshine.h"
#include "arch/moonshine_streaming/moonshine_streaming.h"
#include "arch/qwen2/qwen2.h"
#include "arch/qwen3/qwen3.h"
#include "arch/qwen3_5/qwen3_5.h"

namespace vole::arch {

const model::FamilyTable& families() {
  static const model::FamilyTable table = [] {
    model::FamilyTable t;
    t.add(qwen3_5_family());
    t.add(qwen3_family());
    t.add(qwen2_family());
    t.add(gemma3_text_family());
    t.add(moonshine_family());
    t.add(moonshine_streaming_family());
    t.add(lfm2_family());
    return t;
  }();
  return table;
}

}  // namespace vole::arch

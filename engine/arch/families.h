#pragma once
// Every model family Vole runs, in one table (families.cpp): the table the model
// folder, the loader, the hub and the CLI resolve config.json files with. A new family
// is a folder arch/<family>/ plus one line there.
#include "model/family.h"

namespace vole::arch {

// The built-in families. Tests may add their own (model::FamilyTable::add) to a copy.
const model::FamilyTable& families();

}  // namespace vole::arch

#include "model/family.h"

#include "util/error.h"

namespace vole::model {

const std::vector<std::string>& CheckpointNames::names() const { return checkpoint.names(); }

std::vector<int64_t> CheckpointNames::shape_of(const std::string& stored_name) const {
  return checkpoint.find(stored_name).entry->shape;
}

bool CheckpointNames::any_starts_with(std::string_view prefix) const {
  for (const auto& n : names())
    if (n.starts_with(prefix)) return true;
  return false;
}

std::string Family::canonical_name(const std::string& source, const CheckpointNames& checkpoint) const {
  if (!checkpoint.mlx) return source;
  for (const auto& r : mlx_renames())
    if (source.starts_with(r.source)) return r.canonical + source.substr(r.source.size());
  return source;
}

std::string Family::part_of(std::string_view name) const {
  std::vector<TensorPart> all = parts();
  for (const auto& p : all)
    for (const auto& prefix : p.prefixes)
      if (name.starts_with(prefix)) return p.name;
  return all.empty() ? std::string() : all.front().name;
}

std::string Family::part_of_stored(std::string_view name) const {
  for (const auto& r : mlx_renames())
    if (name.starts_with(r.source)) return part_of(r.canonical + std::string(name.substr(r.source.size())));
  return part_of(name);
}

void FamilyTable::add(const Family& family) {
  require(!find(family.name()), "model family " + std::string(family.name()) + " is registered twice");
  families_.push_back(&family);
}

const Family* FamilyTable::find(std::string_view name) const {
  for (const Family* f : families_)
    if (f->name() == name) return f;
  return nullptr;
}

const Family& FamilyTable::resolve(std::string_view model_type, std::string_view architecture,
                                   const std::string& label) const {
  auto supported = [&] {
    std::string s;
    for (const Family* f : families_) s += (s.empty() ? "" : "; ") + f->supported();
    return "Vole supports " + s;
  };
  if (model_type.empty() && architecture.empty())
    fail(ErrorCode::InvalidFile, label + ": has neither model_type nor architectures; " + supported());
  for (const Family* f : families_)
    if ((model_type.empty() || f->reads(model_type, "")) && (architecture.empty() || f->reads("", architecture)))
      return *f;
  fail(ErrorCode::Unsupported, label + ": unsupported model (model_type \"" + std::string(model_type) +
                                   "\", architecture \"" + std::string(architecture) + "\"); " + supported());
}

const Family& FamilyTable::resolve(const JsonObject& top) const {
  std::string model_type = top.get_string("model_type", "");
  std::string architecture;
  if (const json* a = top.find("architectures")) {
    if (!a->is_array()) top.fail_field("architectures", "must be a list of class names");
    if (!a->empty()) {
      if (!(*a)[0].is_string()) top.fail_field("architectures", "must be a list of class names");
      architecture = (*a)[0].get<std::string>();
    }
  }
  return resolve(model_type, architecture, top.label());
}

}  // namespace vole::model

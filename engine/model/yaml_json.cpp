#include "model/yaml_json.h"

#include <yaml.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "util/error.h"

namespace vole::model {

namespace {

constexpr size_t kMaxYamlBytes = 1 << 20;

struct Document {
  yaml_document_t doc;
  bool loaded = false;
  ~Document() {
    if (loaded) yaml_document_delete(&doc);
  }
};

// A plain scalar's JSON value, as YAML 1.1's core resolvers (what OmegaConf writes) read it.
json scalar(const yaml_node_t& node) {
  std::string s(reinterpret_cast<const char*>(node.data.scalar.value), node.data.scalar.length);
  if (node.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return s;
  if (s.empty() || s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  long long i = std::strtoll(begin, &end, 10);
  if (errno == 0 && end == begin + s.size()) return static_cast<int64_t>(i);
  errno = 0;
  double d = std::strtod(begin, &end);
  bool numeric = s.find_first_of("0123456789") != std::string::npos && s.find_first_of("xXpP") == std::string::npos;
  if (errno == 0 && end == begin + s.size() && numeric) return d;
  return s;
}

json convert(yaml_document_t& doc, yaml_node_t* node, int depth, int max_depth, const std::string& label) {
  if (!node) fail(ErrorCode::InvalidFile, label + ": broken YAML node");
  if (depth > max_depth) fail(ErrorCode::InvalidFile, label + ": YAML nested deeper than " + std::to_string(max_depth));
  switch (node->type) {
    case YAML_SCALAR_NODE:
      return scalar(*node);
    case YAML_SEQUENCE_NODE: {
      json a = json::array();
      for (auto* item = node->data.sequence.items.start; item < node->data.sequence.items.top; ++item)
        a.push_back(convert(doc, yaml_document_get_node(&doc, *item), depth + 1, max_depth, label));
      return a;
    }
    case YAML_MAPPING_NODE: {
      json o = json::object();
      for (auto* pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; ++pair) {
        yaml_node_t* key = yaml_document_get_node(&doc, pair->key);
        if (!key || key->type != YAML_SCALAR_NODE) fail(ErrorCode::InvalidFile, label + ": a YAML key is not a scalar");
        std::string k(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length);
        if (o.contains(k)) fail(ErrorCode::InvalidFile, label + ": duplicate YAML key \"" + k + "\"");
        o[k] = convert(doc, yaml_document_get_node(&doc, pair->value), depth + 1, max_depth, label);
      }
      return o;
    }
    default:
      fail(ErrorCode::InvalidFile, label + ": empty YAML node");
  }
}

// One pass over the parser's events before anything is built. Aliases are refused: they
// would let a small file expand without bound (and libyaml resolves them into shared
// nodes); configs have no reason to use them. Nesting is counted as it opens, so a deep
// file stops a level past the bound: libyaml's scanner costs grow with the square of the
// flow nesting (a megabyte of "[" kept it busy for minutes), and its loader builds the
// whole tree before convert() could look at the depth. Syntax errors are left to the
// loader, which reports them with their line.
void check_events(std::string_view text, const std::string& label, int max_depth) {
  yaml_parser_t scan;
  if (!yaml_parser_initialize(&scan)) fail(ErrorCode::Internal, label + ": cannot start the YAML parser");
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&scan, yaml_parser_delete);
  yaml_parser_set_input_string(&scan, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  int depth = 0;  // open collections; convert() counts the root collection as depth 0
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&scan, &ev)) return;
    const yaml_event_type_t type = ev.type;
    yaml_event_delete(&ev);
    if (type == YAML_ALIAS_EVENT) fail(ErrorCode::InvalidFile, label + ": YAML aliases are not accepted");
    if ((type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) && ++depth > max_depth + 1)
      fail(ErrorCode::InvalidFile, label + ": YAML nested deeper than " + std::to_string(max_depth));
    if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) --depth;
    if (type == YAML_STREAM_END_EVENT) return;
  }
}

}  // namespace

json parse_yaml(std::string_view text, const std::string& label, int max_depth) {
  if (text.size() > kMaxYamlBytes) fail(ErrorCode::InvalidFile, label + ": YAML larger than 1 MiB");
  check_events(text, label, max_depth);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) fail(ErrorCode::Internal, label + ": cannot start the YAML parser");
  std::unique_ptr<yaml_parser_t, void (*)(yaml_parser_t*)> guard(&parser, yaml_parser_delete);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  Document d;
  if (!yaml_parser_load(&parser, &d.doc))
    fail(ErrorCode::InvalidFile, label + ": YAML error at line " + std::to_string(parser.problem_mark.line + 1) + ": " +
                                     (parser.problem ? parser.problem : "unknown"));
  d.loaded = true;
  yaml_node_t* root = yaml_document_get_root_node(&d.doc);
  if (!root) return json::object();
  json out = convert(d.doc, root, 0, max_depth, label);
  Document next;
  if (yaml_parser_load(&parser, &next.doc)) {
    next.loaded = true;
    if (yaml_document_get_root_node(&next.doc)) fail(ErrorCode::InvalidFile, label + ": more than one YAML document");
  }
  return out;
}

}  // namespace vole::model

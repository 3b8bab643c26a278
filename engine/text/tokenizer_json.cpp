#include "text/tokenizer_json.h"

#include "util/error.h"
#include "util/json.h"

namespace vole::text {

JsonPath JsonPath::operator/(std::string_view key) const {
  return JsonPath(*file_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonPath JsonPath::operator[](size_t index) const {
  return JsonPath(*file_, path_ + "[" + std::to_string(index) + "]");
}

void JsonPath::malformed(const std::string& what) const {
  fail(ErrorCode::InvalidFile, *file_ + ": " + (path_.empty() ? "" : path_ + ": ") + what);
}

void JsonPath::unsupported(const std::string& what) const {
  fail(ErrorCode::Unsupported, *file_ + ": " + (path_.empty() ? "" : path_ + ": ") + what);
}

const Json& json_member(const Json& obj, const JsonPath& at, const char* key) {
  if (!obj.is_object()) at.malformed("expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) at.malformed(std::string("missing \"") + key + "\"");
  return *it;
}

const Json* json_optional(const Json& obj, const JsonPath& at, const char* key) {
  if (!obj.is_object()) at.malformed("expected an object");
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

bool json_bool_or(const Json& obj, const JsonPath& at, const char* key, bool fallback) {
  const Json* v = json_optional(obj, at, key);
  if (!v) return fallback;
  if (!v->is_boolean()) (at / key).malformed("expected true or false");
  return v->get<bool>();
}

const std::string& json_string(const Json& value, const JsonPath& at) {
  if (!value.is_string()) at.malformed("expected a string");
  return value.get_ref<const std::string&>();
}

const Json& json_array(const Json& value, const JsonPath& at) {
  if (!value.is_array()) at.malformed("expected an array");
  return value;
}

const std::string& json_type(const Json& obj, const JsonPath& at) {
  return json_string(json_member(obj, at, "type"), at / "type");
}

}  // namespace vole::text

namespace vole::text {

namespace {

// SAX handler: a DOM for the small parts of the file, flat tables for the big ones.
class TokenizerJsonReader {
 public:
  TokenizerJsonReader(TokenizerJson& out, const std::string& origin) : out_(out), t_(out.bpe), origin_(origin) {}

  bool null() { return scalar(nullptr); }
  bool boolean(bool v) { return scalar(v); }
  bool number_integer(Json::number_integer_t v) { return scalar(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(v); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return scalar(v); }
  bool binary(Json::binary_t& v) { return scalar(Json::binary(v)); }
  bool string(Json::string_t& v) {
    if (!frames_.empty()) {
      Frame& f = frames_.back();
      if (f.kind == Kind::Merges) {
        uint32_t off = append(v);
        t_.merges.push_back({off, uint32_t(v.size()), 0, 0, BpeTables::MergeForm::Joined});
        return true;
      }
      if (f.kind == Kind::Pair) {
        uint32_t off = append(v);
        if (f.strings == 0) f.merge.a_offset = off, f.merge.a_length = uint32_t(v.size());
        else if (f.strings == 1) f.merge.b_offset = off, f.merge.b_length = uint32_t(v.size());
        ++f.strings;
        return true;
      }
    }
    return scalar(std::move(v));
  }
  bool start_object(size_t) { return open(true); }
  bool start_array(size_t) { return open(false); }
  bool key(Json::string_t& k) {
    Frame& f = frames_.back();
    if (f.kind == Kind::Vocab) {
      key_offset_ = append(k);
      key_length_ = uint32_t(k.size());
    } else {
      f.key = std::move(k);
    }
    return true;
  }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    fail(ErrorCode::InvalidFile, origin_ + ": not valid JSON (" + e.what() + ")");
  }

 private:
  enum class Kind { Dom, Vocab, Merges, Pair, Skip };
  struct Frame {
    Kind kind;
    Json* node = nullptr;  // Dom
    std::string key;       // Dom object: the member being read
    BpeTables::Merge merge{};
    int strings = 0;
    bool bad = false;
  };

  uint32_t append(const std::string& s) {
    if (t_.arena.size() + s.size() > UINT32_MAX) fail(ErrorCode::InvalidFile, origin_ + ": vocabulary over 4 GiB");
    uint32_t off = uint32_t(t_.arena.size());
    t_.arena += s;
    return off;
  }
  // True if the value about to start is root.model.<name>.
  bool at_model_member(const char* name) const {
    return frames_.size() == 2 && frames_[0].kind == Kind::Dom && frames_[0].key == "model" &&
           frames_[1].kind == Kind::Dom && frames_[1].node->is_object() && frames_[1].key == name;
  }
  Json* place(Json&& v) {
    if (frames_.empty()) {
      out_.root = std::move(v);
      return &out_.root;
    }
    Frame& f = frames_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    Json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  void vocab_entry(int64_t id) { t_.vocab.push_back({key_offset_, key_length_, id}); }
  bool scalar(Json&& v) {
    if (frames_.empty()) {
      out_.root = std::move(v);
      return true;
    }
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::Dom: place(std::move(v)); break;
      case Kind::Vocab:
        vocab_entry(v.is_number_integer() && v.get<int64_t>() >= 0 ? v.get<int64_t>() : -1);
        break;
      case Kind::Merges: t_.merges.push_back({0, 0, 0, 0, BpeTables::MergeForm::Malformed}); break;
      case Kind::Pair: f.bad = true; break;
      case Kind::Skip: break;
    }
    return true;
  }
  bool open(bool object) {
    if (!frames_.empty()) {
      Frame& f = frames_.back();
      switch (f.kind) {
        case Kind::Dom:
          if (object && at_model_member("vocab")) {
            t_.vocab_is_object = true;
            frames_.push_back({Kind::Vocab});
            return true;
          }
          if (!object && at_model_member("merges")) {
            t_.merges_is_array = true;
            frames_.push_back({Kind::Merges});
            return true;
          }
          break;
        case Kind::Vocab:
          vocab_entry(-1);
          frames_.push_back({Kind::Skip});
          return true;
        case Kind::Merges:
          if (!object) {
            frames_.push_back({Kind::Pair});
          } else {
            t_.merges.push_back({0, 0, 0, 0, BpeTables::MergeForm::Malformed});
            frames_.push_back({Kind::Skip});
          }
          return true;
        case Kind::Pair:
          f.bad = true;
          frames_.push_back({Kind::Skip});
          return true;
        case Kind::Skip:
          frames_.push_back({Kind::Skip});
          return true;
      }
    }
    Json* node = place(object ? Json::object() : Json::array());
    frames_.push_back({Kind::Dom, node});
    return true;
  }
  bool close() {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    if (f.kind == Kind::Pair) {
      f.merge.form = f.bad || f.strings != 2 ? BpeTables::MergeForm::Malformed : BpeTables::MergeForm::Pair;
      t_.merges.push_back(f.merge);
    }
    return true;
  }

  TokenizerJson& out_;
  BpeTables& t_;
  const std::string& origin_;
  std::vector<Frame> frames_;
  uint32_t key_offset_ = 0, key_length_ = 0;
};

}  // namespace

TokenizerJson parse_tokenizer_json(std::string_view text, const std::string& origin) {
  TokenizerJson out;
  TokenizerJsonReader reader(out, origin);
  check_json_depth(text, origin);
  try {
    Json::sax_parse(text.begin(), text.end(), &reader);
  } catch (const Json::exception& e) {
    fail(ErrorCode::InvalidFile, origin + ": not valid JSON (" + e.what() + ")");
  }
  return out;
}

}  // namespace vole::text

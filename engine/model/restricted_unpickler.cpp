#include "model/restricted_unpickler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "util/error.h"

namespace vole::model {

namespace {

using Kind = PickleValue::Kind;

// The allowed globals. The numbering is private to this file.
enum Allowed : int64_t { kOrderedDict, kRebuildTensorV2, kRebuildParameter, kStorageType };

struct StorageName {
  const char* name;
  StDType dtype;
};
constexpr StorageName kStorages[] = {
    {"FloatStorage", StDType::F32},  {"HalfStorage", StDType::F16}, {"BFloat16Storage", StDType::BF16},
    {"DoubleStorage", StDType::F64}, {"LongStorage", StDType::I64}, {"IntStorage", StDType::I32},
    {"ShortStorage", StDType::I16},  {"CharStorage", StDType::I8},  {"ByteStorage", StDType::U8},
    {"BoolStorage", StDType::BOOL},
};

constexpr size_t kMaxRank = 8;
constexpr size_t kMaxGlobalLine = 256;

const char* opcode_name(uint8_t op) {
  switch (op) {
    case 'c':
      return "GLOBAL";
    case 'i':
      return "INST";
    case 'o':
      return "OBJ";
    case 0x81:
      return "NEWOBJ";
    case 0x92:
      return "NEWOBJ_EX";
    case 0x82:
    case 0x83:
    case 0x84:
      return "EXT";
    case 'P':
      return "PERSID";
    case 'I':
      return "INT";
    case 'L':
      return "LONG";
    case 'S':
      return "STRING";
    case 'V':
      return "UNICODE";
    case 'F':
      return "FLOAT";
    case 'p':
      return "PUT";
    case 'g':
      return "GET";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return nullptr;
  }
}

class Unpickler {
 public:
  Unpickler(std::span<const uint8_t> data, const std::string& label, const UnpicklerLimits& limits)
      : data_(data), label_(label), limits_(limits) {}

  PickleGraph run() {
    if (data_.size() > limits_.max_input)
      fail(ErrorCode::InvalidFile, label_ + ": pickle of " + std::to_string(data_.size()) + " bytes exceeds the limit");
    while (true) {
      op_pos_ = pos_;
      uint8_t op = u8();
      if (op == '.') break;
      step(op);
    }
    if (!marks_.empty()) bad("STOP with an open MARK");
    if (stack_.size() != 1) bad("STOP with " + std::to_string(stack_.size()) + " values on the stack (1 expected)");
    if (pos_ != data_.size()) bad("bytes after STOP");
    out_.root = stack_.back();
    check_nesting();
    return std::move(out_);
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorCode::InvalidFile, label_ + ": pickle byte " + std::to_string(op_pos_) + ": " + what);
  }

  // --- input ---
  void need(uint64_t n) const {
    if (n > data_.size() - pos_) bad("truncated pickle");
  }
  uint8_t u8() {
    need(1);
    return data_[pos_++];
  }
  uint64_t le(size_t n) {
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string bytes(uint64_t n) {
    if (n > limits_.max_string) bad("string of " + std::to_string(n) + " bytes exceeds the limit");
    need(n);
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::string line() {
    size_t start = pos_;
    while (true) {
      if (pos_ - start > kMaxGlobalLine) bad("GLOBAL name too long");
      uint8_t c = u8();
      if (c == '\n') return std::string(reinterpret_cast<const char*>(data_.data() + start), pos_ - 1 - start);
    }
  }

  // --- values ---
  uint32_t make(PickleValue v) {
    if (out_.values.size() >= limits_.max_values) bad("too many objects");
    out_.values.push_back(std::move(v));
    return static_cast<uint32_t>(out_.values.size() - 1);
  }
  uint32_t make(Kind kind) {
    PickleValue v;
    v.kind = kind;
    return make(std::move(v));
  }
  PickleValue& at(uint32_t i) { return out_.values[i]; }
  void push(uint32_t v) { stack_.push_back(v); }
  uint32_t pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) bad("stack underflow");
    uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  uint32_t top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) bad("stack underflow");
    return stack_.back();
  }
  // The values pushed since the last MARK (removed from the stack with the mark).
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) bad("no MARK to pop to");
    size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  uint32_t expect(uint32_t v, Kind kind, const char* what) {
    if (at(v).kind != kind) bad(std::string(what) + " has the wrong type");
    return v;
  }
  void memo_put(uint64_t key) {
    uint32_t v = top();
    if (memo_.size() >= limits_.max_values && !memo_.count(key)) bad("memo too large");
    memo_[key] = v;
  }
  void memo_get(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) bad("memo key " + std::to_string(key) + " was never stored");
    push(it->second);
  }

  uint32_t integer(int64_t v) {
    PickleValue p;
    p.kind = Kind::Int;
    p.number = v;
    return make(std::move(p));
  }
  // LONG1 / LONG4: little-endian two's complement of n bytes; at most 8 accepted.
  uint32_t long_integer(uint64_t n) {
    if (n > 8) bad("integer of " + std::to_string(n) + " bytes is too large");
    if (n == 0) return integer(0);
    uint64_t raw = le(n);
    if (n < 8 && (raw >> (8 * n - 1)) & 1) raw |= ~uint64_t{0} << (8 * n);  // sign-extend
    return integer(static_cast<int64_t>(raw));
  }
  uint32_t string(Kind kind, std::string s) {
    PickleValue p;
    p.kind = kind;
    p.text = std::move(s);
    return make(std::move(p));
  }
  uint32_t tuple(std::vector<uint32_t> items) {
    PickleValue p;
    p.kind = Kind::Tuple;
    p.items = std::move(items);
    return make(std::move(p));
  }
  void dict_insert(uint32_t dict, const std::vector<uint32_t>& pairs) {
    if (pairs.size() % 2) bad("SETITEMS with an odd number of values");
    expect(dict, Kind::Dict, "SETITEM target");
    auto& items = at(dict).items;
    items.insert(items.end(), pairs.begin(), pairs.end());
  }

  uint32_t global(const std::string& module, const std::string& name) {
    PickleValue p;
    p.kind = Kind::Global;
    p.text = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      p.number = kOrderedDict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      p.number = kRebuildTensorV2;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      p.number = kRebuildParameter;
    } else if (module == "torch" && storage_dtype(name)) {
      p.number = kStorageType;
    } else {
      bad("global " + p.text + " is not allowed (only tensor-rebuilding globals are)");
    }
    return make(std::move(p));
  }
  static const StorageName* storage_dtype(const std::string& name) {
    for (const auto& s : kStorages)
      if (name == s.name) return &s;
    return nullptr;
  }

  // ('storage', <storage type>, key, location, numel) -> a Storage value.
  uint32_t persistent_load(uint32_t pid) {
    const auto& t = at(pid);
    if (t.kind != Kind::Tuple || t.items.size() != 5)
      bad("persistent id is not a 5-tuple ('storage', type, key, location, numel)");
    const auto& tag = at(t.items[0]);
    const auto& type = at(t.items[1]);
    const auto& key = at(t.items[2]);
    const auto& location = at(t.items[3]);
    const auto& numel = at(t.items[4]);
    if (tag.kind != Kind::String || tag.text != "storage") bad("persistent id does not start with 'storage'");
    if (type.kind != Kind::Global || type.number != kStorageType) bad("persistent id names no storage type");
    if (key.kind != Kind::String || key.text.empty() || key.text.size() > 64) bad("storage key is not a short string");
    for (char c : key.text)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
        bad("storage key \"" + key.text + "\" has characters other than [A-Za-z0-9_]");
    if (location.kind != Kind::String) bad("storage location is not a string");
    if (numel.kind != Kind::Int || numel.number < 0 || numel.number > (int64_t{1} << 40))
      bad("storage size out of range");
    StDType dtype = storage_dtype(type.text.substr(6))->dtype;  // "torch."
    auto [it, fresh] = storage_index_.emplace(key.text, static_cast<uint32_t>(out_.storages.size()));
    if (fresh) {
      out_.storages.push_back({dtype, key.text, location.text, numel.number});
    } else {
      const auto& s = out_.storages[it->second];
      if (s.dtype != dtype || s.numel != numel.number)
        bad("storage " + key.text + " is declared twice with different types or sizes");
    }
    PickleValue p;
    p.kind = Kind::Storage;
    p.number = it->second;
    return make(std::move(p));
  }

  std::vector<int64_t> int_tuple(uint32_t v, const char* what) {
    const auto& t = at(v);
    if (t.kind != Kind::Tuple) bad(std::string(what) + " is not a tuple");
    if (t.items.size() > kMaxRank) bad(std::string(what) + " has more than 8 dimensions");
    std::vector<int64_t> out;
    for (uint32_t i : t.items) {
      const auto& e = at(i);
      if (e.kind != Kind::Int || e.number < 0)
        bad(std::string(what) + " holds something other than non-negative integers");
      out.push_back(e.number);
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  uint32_t rebuild_tensor(const PickleValue& args) {
    if (args.items.size() != 6 && args.items.size() != 7) bad("_rebuild_tensor_v2 takes 6 or 7 arguments");
    const auto& storage = at(args.items[0]);
    const auto& offset = at(args.items[1]);
    if (storage.kind != Kind::Storage) bad("_rebuild_tensor_v2: first argument is not a storage");
    if (offset.kind != Kind::Int || offset.number < 0) bad("_rebuild_tensor_v2: bad storage offset");
    TorchTensorRef t;
    t.storage = static_cast<uint32_t>(storage.number);
    t.storage_offset = offset.number;
    t.shape = int_tuple(args.items[2], "tensor size");
    t.strides = int_tuple(args.items[3], "tensor stride");
    if (t.shape.size() != t.strides.size()) bad("tensor size and stride differ in length");
    if (at(args.items[4]).kind != Kind::Bool) bad("_rebuild_tensor_v2: requires_grad is not a bool");
    Kind hooks = at(args.items[5]).kind;
    if (hooks != Kind::Dict && hooks != Kind::None) bad("_rebuild_tensor_v2: backward hooks are not a dict");
    if (args.items.size() == 7 && at(args.items[6]).kind != Kind::Dict && at(args.items[6]).kind != Kind::None)
      bad("_rebuild_tensor_v2: metadata is not a dict");
    // Every element the view can reach must lie inside the storage.
    const int64_t numel = out_.storages[t.storage].numel;
    __int128 last = t.storage_offset;
    bool empty = false;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (t.shape[d] == 0)
        empty = true;
      else
        last += static_cast<__int128>(t.shape[d] - 1) * t.strides[d];
    }
    if (empty ? t.storage_offset > numel : last >= numel)
      bad("tensor view reaches past the end of storage " + out_.storages[t.storage].key);
    out_.tensors.push_back(std::move(t));
    PickleValue p;
    p.kind = Kind::Tensor;
    p.number = static_cast<int64_t>(out_.tensors.size() - 1);
    return make(std::move(p));
  }

  uint32_t reduce(uint32_t callable, uint32_t args_index) {
    const auto& fn = at(callable);
    const auto& args = at(args_index);
    if (fn.kind != Kind::Global) bad("REDUCE on something that is not an allowed global");
    if (args.kind != Kind::Tuple) bad("REDUCE arguments are not a tuple");
    switch (fn.number) {
      case kOrderedDict:
        if (!args.items.empty()) bad("OrderedDict called with arguments");
        return make(Kind::Dict);
      case kRebuildTensorV2:
        return rebuild_tensor(args);
      case kRebuildParameter:
        if (args.items.size() != 3 || at(args.items[0]).kind != Kind::Tensor)
          bad("_rebuild_parameter takes (tensor, requires_grad, hooks)");
        return args.items[0];
      default:
        bad("REDUCE on " + fn.text + ", which is not callable here");
    }
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        uint8_t v = u8();
        if (v > 5) bad("pickle protocol " + std::to_string(v) + " is not supported");
        return;
      }
      case 0x95: {  // FRAME: a length prefix for the next opcodes; nothing to do
        uint64_t n = le(8);
        need(n);
        return;
      }
      case '(':
        if (marks_.size() >= limits_.max_marks) bad("too many nested MARKs");
        marks_.push_back(stack_.size());
        return;
      case '0':
        pop();
        return;
      case '1':
        pop_mark();
        return;
      case '2':
        push(top());
        return;
      case 'N':
        push(make(Kind::None));
        return;
      case 0x88:
      case 0x89: {
        PickleValue p;
        p.kind = Kind::Bool;
        p.number = op == 0x88;
        push(make(std::move(p)));
        return;
      }
      case 'J':
        push(integer(static_cast<int32_t>(le(4))));
        return;
      case 'K':
        push(integer(u8()));
        return;
      case 'M':
        push(integer(static_cast<int64_t>(le(2))));
        return;
      case 0x8a:
        push(long_integer(u8()));
        return;
      case 0x8b:
        push(long_integer(le(4)));
        return;
      case 'G': {
        uint64_t bits = 0;
        need(8);
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_ + i];  // big-endian
        pos_ += 8;
        PickleValue p;
        p.kind = Kind::Float;
        std::memcpy(&p.real, &bits, 8);
        push(make(std::move(p)));
        return;
      }
      case 'X':
        push(string(Kind::String, bytes(le(4))));
        return;
      case 0x8c:
        push(string(Kind::String, bytes(u8())));
        return;
      case 0x8d:
        push(string(Kind::String, bytes(le(8))));
        return;
      case 'T': {
        int32_t n = static_cast<int32_t>(le(4));
        if (n < 0) bad("negative string length");
        push(string(Kind::String, bytes(static_cast<uint64_t>(n))));
        return;
      }
      case 'U':
        push(string(Kind::String, bytes(u8())));
        return;
      case 'B':
        push(string(Kind::Bytes, bytes(le(4))));
        return;
      case 'C':
        push(string(Kind::Bytes, bytes(u8())));
        return;
      case 0x8e:
        push(string(Kind::Bytes, bytes(le(8))));
        return;
      case ')':
        push(tuple({}));
        return;
      case 't':
        push(tuple(pop_mark()));
        return;
      case 0x85: {
        uint32_t a = pop();
        push(tuple({a}));
        return;
      }
      case 0x86: {
        uint32_t b = pop(), a = pop();
        push(tuple({a, b}));
        return;
      }
      case 0x87: {
        uint32_t c = pop(), b = pop(), a = pop();
        push(tuple({a, b, c}));
        return;
      }
      case ']':
        push(make(Kind::List));
        return;
      case 'l': {
        auto items = pop_mark();
        uint32_t l = make(Kind::List);
        at(l).items = std::move(items);
        push(l);
        return;
      }
      case 'a': {
        uint32_t v = pop();
        uint32_t l = expect(top(), Kind::List, "APPEND target");
        at(l).items.push_back(v);
        return;
      }
      case 'e': {
        auto items = pop_mark();
        uint32_t l = expect(top(), Kind::List, "APPENDS target");
        at(l).items.insert(at(l).items.end(), items.begin(), items.end());
        return;
      }
      case '}':
        push(make(Kind::Dict));
        return;
      case 'd': {
        auto items = pop_mark();
        uint32_t d = make(Kind::Dict);
        dict_insert(d, items);
        push(d);
        return;
      }
      case 's': {
        uint32_t v = pop(), k = pop();
        dict_insert(top(), {k, v});
        return;
      }
      case 'u': {
        auto items = pop_mark();
        dict_insert(top(), items);
        return;
      }
      case 'c': {
        std::string module = line();
        std::string name = line();
        push(global(module, name));
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        uint32_t name = pop(), module = pop();
        if (at(name).kind != Kind::String || at(module).kind != Kind::String) bad("STACK_GLOBAL needs two strings");
        push(global(at(module).text, at(name).text));
        return;
      }
      case 'R': {
        uint32_t args = pop(), fn = pop();
        push(reduce(fn, args));
        return;
      }
      case 'b': {  // BUILD: only a state dict's attributes (`_metadata`), ignored
        uint32_t state = pop();
        uint32_t target = top();
        if (at(target).kind != Kind::Dict) bad("BUILD on something that is not a dict");
        Kind k = at(state).kind;
        if (k != Kind::Dict && k != Kind::None) bad("BUILD state is not a dict");
        return;
      }
      case 'Q':
        push(persistent_load(pop()));
        return;
      case 'q':
        memo_put(u8());
        return;
      case 'r':
        memo_put(le(4));
        return;
      case 0x94:
        memo_put(memo_.size());
        return;
      case 'h':
        memo_get(u8());
        return;
      case 'j':
        memo_get(le(4));
        return;
      default: {
        const char* name = opcode_name(op);
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        bad(std::string("opcode ") + (name ? name : hex) + " is not allowed");
      }
    }
  }

  // The result must be a tree or DAG no deeper than max_depth: iterative post-order walk
  // computing each container's height, with a cycle check.
  void check_nesting() {
    const size_t n = out_.values.size();
    std::vector<uint8_t> state(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<uint32_t> height(n, 0);
    struct Frame {
      uint32_t v;
      size_t next;
    };
    std::vector<Frame> path{{out_.root, 0}};
    state[out_.root] = 1;
    while (!path.empty()) {
      Frame& f = path.back();
      const auto& items = out_.values[f.v].items;
      if (f.next < items.size()) {
        uint32_t c = items[f.next++];
        if (state[c] == 1) bad("the pickle contains a reference cycle");
        if (state[c] == 0) {
          state[c] = 1;
          path.push_back({c, 0});
          if (path.size() > limits_.max_depth + 1)
            bad("containers nested deeper than " + std::to_string(limits_.max_depth));
        }
        continue;
      }
      uint32_t h = 0;
      for (uint32_t c : items) h = std::max(h, height[c] + 1);
      height[f.v] = h;
      if (h > limits_.max_depth) bad("containers nested deeper than " + std::to_string(limits_.max_depth));
      state[f.v] = 2;
      path.pop_back();
    }
  }

  std::span<const uint8_t> data_;
  const std::string& label_;
  UnpicklerLimits limits_;
  size_t pos_ = 0, op_pos_ = 0;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
  std::unordered_map<std::string, uint32_t> storage_index_;
  PickleGraph out_;
};

}  // namespace

const char* torch_storage_name(StDType dtype) {
  for (const auto& s : kStorages)
    if (s.dtype == dtype) return s.name;
  return nullptr;
}

PickleGraph unpickle_restricted(std::span<const uint8_t> pickle, const std::string& label,
                                const UnpicklerLimits& limits) {
  return Unpickler(pickle, label, limits).run();
}

std::vector<std::pair<std::string, uint32_t>> state_dict_tensors(const PickleGraph& graph, const std::string& label) {
  auto find_key = [&](const PickleValue& dict, const std::string& key) -> const PickleValue* {
    for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
      const auto& k = graph.values[dict.items[i]];
      if (k.kind == Kind::String && k.text == key) return &graph.values[dict.items[i + 1]];
    }
    return nullptr;
  };
  const PickleValue* dict = &graph.values[graph.root];
  if (dict->kind != Kind::Dict) fail(ErrorCode::InvalidFile, label + ": the checkpoint is not a dict of tensors");
  if (const PickleValue* inner = find_key(*dict, "state_dict"); inner && inner->kind == Kind::Dict) dict = inner;
  std::vector<std::pair<std::string, uint32_t>> out;
  std::unordered_set<std::string> names;
  for (size_t i = 0; i + 1 < dict->items.size(); i += 2) {
    const auto& k = graph.values[dict->items[i]];
    const auto& v = graph.values[dict->items[i + 1]];
    if (k.kind != Kind::String || v.kind != Kind::Tensor) continue;
    if (!names.insert(k.text).second) fail(ErrorCode::InvalidFile, label + ": tensor " + k.text + " appears twice");
    out.emplace_back(k.text, static_cast<uint32_t>(v.number));
  }
  if (out.empty()) fail(ErrorCode::InvalidFile, label + ": the checkpoint holds no tensors");
  return out;
}

}  // namespace vole::model

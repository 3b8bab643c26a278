#pragma once
// What every benchmark shares: a table of measurements that prints as aligned text and
// exports as JSON, the device description, and writing the JSON file.
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "gpu/device_info.h"

namespace vole::bench {

// Wall-clock timing shared by the benchmarks.
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start);
double median(std::vector<double> values);  // of a non-empty list

class Table {
 public:
  struct Column {
    std::string key;     // JSON field name
    std::string title;   // printed header
    int precision = -1;  // digits after the point for numbers; -1: the column holds text
  };
  using Value = std::variant<std::string, double>;

  explicit Table(std::vector<Column> columns);
  void add(std::vector<Value> row);  // one value per column
  size_t size() const { return rows_.size(); }

  std::string text() const;     // header, rule, rows: text left-aligned, numbers right-aligned
  nlohmann::json json() const;  // [{key: value, ...}, ...]

 private:
  std::string cell(size_t row, size_t col) const;
  std::vector<Column> columns_;
  std::vector<std::vector<Value>> rows_;
};

nlohmann::json device_json(const gpu::DeviceInfo& info);

// Writes `doc` (pretty-printed) to `path` atomically; throws vole::Error on failure.
void write_json(const std::filesystem::path& path, const nlohmann::json& doc);

}  // namespace vole::bench

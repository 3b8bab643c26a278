#include "report.h"

#include <algorithm>
#include <cstdio>

#include "util/error.h"
#include "util/file.h"

namespace vole::bench {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  require(!values.empty(), "median of nothing");
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add(std::vector<Value> row) {
  require(row.size() == columns_.size(), "bench table: row has " + std::to_string(row.size()) + " values for " +
                                             std::to_string(columns_.size()) + " columns");
  rows_.push_back(std::move(row));
}

std::string Table::cell(size_t row, size_t col) const {
  const Value& v = rows_[row][col];
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(columns_[col].precision, 0), std::get<double>(v));
  return buf;
}

std::string Table::text() const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    width[c] = columns_[c].title.size();
    for (size_t r = 0; r < rows_.size(); ++r) width[c] = std::max(width[c], cell(r, c).size());
  }
  auto line = [&](auto&& text_of, auto&& right_aligned) {
    std::string out;
    for (size_t c = 0; c < columns_.size(); ++c) {
      std::string t = text_of(c);
      std::string pad(width[c] - t.size(), ' ');
      out += (c ? "  " : "") + (right_aligned(c) ? pad + t : t + pad);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  auto numeric = [&](size_t c) { return columns_[c].precision >= 0; };
  std::string out = line([&](size_t c) { return columns_[c].title; }, numeric);
  size_t total = 0;
  for (size_t w : width) total += w;
  out += std::string(total + 2 * (columns_.size() - 1), '-') + "\n";
  for (size_t r = 0; r < rows_.size(); ++r) out += line([&](size_t c) { return cell(r, c); }, numeric);
  return out;
}

nlohmann::json Table::json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json o = nlohmann::json::object();
    for (size_t c = 0; c < columns_.size(); ++c) std::visit([&](const auto& v) { o[columns_[c].key] = v; }, row[c]);
    rows.push_back(std::move(o));
  }
  return rows;
}

nlohmann::json device_json(const gpu::DeviceInfo& info) {
  return {{"name", info.name},
          {"type", info.type_name()},
          {"driver", info.driver_name + (info.driver_info.empty() ? "" : " " + info.driver_info)},
          {"subgroup_size", info.subgroup_size},
          {"subgroup_arithmetic", info.subgroup_arithmetic},
          {"max_storage_buffer_range", info.max_storage_buffer_range},
          {"device_local_bytes", info.device_local_bytes()}};
}

void write_json(const std::filesystem::path& path, const nlohmann::json& doc) {
  write_file_atomic(path, doc.dump(2) + "\n");
}

}  // namespace vole::bench

#pragma once
// Test fixtures for hub tests: a safetensors writer and reader written independently of
// engine/hub (so a shared bug cannot hide), random data, and download-manager options
// pointed at a FakeHub.
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fake_hub.h"
#include "hub/download_manager.h"

namespace vole::test {

struct FixtureTensor {
  std::string name;
  std::string dtype;  // F32, BF16, U8, ...
  std::vector<uint64_t> shape;
  std::string data;
};

// Random bytes of the size dtype x shape needs.
FixtureTensor random_tensor(const std::string& name, const std::string& dtype, std::vector<uint64_t> shape,
                            std::mt19937_64& rng);
std::string random_bytes(size_t n, std::mt19937_64& rng);

// A safetensors file with the tensors' data in the given order.
std::string make_safetensors(const std::vector<FixtureTensor>& tensors,
                             const nlohmann::json& metadata = nlohmann::json());

struct ParsedSafetensors {
  nlohmann::json header;                    // without __metadata__
  nlohmann::json metadata;                  // or null
  std::map<std::string, std::string> data;  // name -> bytes
};
ParsedSafetensors read_safetensors(const std::string& bytes);  // throws std::runtime_error

std::string read_file(const std::filesystem::path& p);
bool file_exists(const std::filesystem::path& p);

// Manager options for tests: short timeouts, fast retries, frequent progress events.
hub::ManagerOptions test_options(const FakeHub& hub, const std::filesystem::path& models_dir,
                                 const std::string& token = "");

}  // namespace vole::test

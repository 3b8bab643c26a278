#include "knowledge/zip_entry.h"

#include <zip.h>

#include <algorithm>

#include "util/error.h"

namespace vole::knowledge {

namespace {
std::string zip_error_text(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}
}  // namespace

ZipArchive::ZipArchive(const std::filesystem::path& path) : path_(path) {
  int code = 0;
  zip_ = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (zip_) return;
  if (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT)
    fail(code == ZIP_ER_NOENT ? ErrorCode::NotFound : ErrorCode::Io,
         "cannot open " + path.string() + ": " + zip_error_text(code));
  fail(ErrorCode::InvalidFile, "cannot read " + path.string() + " as a zip container (" + zip_error_text(code) +
                                   "): the document is damaged or not what its name says");
}

ZipArchive::~ZipArchive() {
  if (zip_) zip_discard(zip_);
}

bool ZipArchive::has(const std::string& name) const { return zip_name_locate(zip_, name.c_str(), 0) >= 0; }

ZipEntryReader::ZipEntryReader(ZipArchive& archive, const std::string& name, const ExtractLimits& limits)
    : archive_(archive), name_(name), limits_(limits) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(archive.handle(), name.c_str(), 0, &st) != 0)
    fail(ErrorCode::InvalidFile, what() + " is missing: the document is damaged or not what its name says");
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    fail(ErrorCode::Unsupported, what() + " is encrypted (a password-protected document); Vole cannot read it");
  uint64_t compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
  bound_ = std::min(limits.max_zip_entry_bytes, compressed * limits.max_zip_ratio + (uint64_t{1} << 20));
  if ((st.valid & ZIP_STAT_SIZE) && st.size > bound_)
    fail(ErrorCode::Unsupported, what() + " would expand to " + std::to_string(st.size) + " bytes from " +
                                     std::to_string(compressed) + " (limit " + std::to_string(bound_) +
                                     "): refused as a possible zip bomb");
  file_ = zip_fopen(archive.handle(), name.c_str(), 0);
  if (!file_)
    fail(ErrorCode::InvalidFile, what() + " cannot be opened: " + std::string(zip_strerror(archive.handle())));
}

ZipEntryReader::~ZipEntryReader() {
  if (file_) zip_fclose(file_);
}

std::string ZipEntryReader::what() const { return "part " + name_ + " of " + archive_.path().string(); }

size_t ZipEntryReader::read(char* buffer, size_t capacity) {
  limits_.check_cancel();
  // Ask for one byte past the bound, so a member whose header lies about its size is caught.
  uint64_t room = bound_ + 1 - std::min(read_, bound_ + 1);
  zip_int64_t n = zip_fread(file_, buffer, std::min<uint64_t>(capacity, room));
  if (n < 0) fail(ErrorCode::InvalidFile, what() + " is damaged: " + std::string(zip_file_strerror(file_)));
  read_ += static_cast<uint64_t>(n);
  if (read_ > bound_)
    fail(ErrorCode::Unsupported,
         what() + " expands beyond " + std::to_string(bound_) + " bytes: refused as a possible zip bomb");
  return static_cast<size_t>(n);
}

}  // namespace vole::knowledge

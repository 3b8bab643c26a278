#pragma once
// Failures of the conversation store, classified so the app can offer the right way out.
// Every StoreError is a vole::Error (code Io, InvalidFile, NotFound or Unsupported) whose
// message is one line a user can act on, naming the database file.
#include <string>

#include "util/error.h"

namespace vole::memory {

enum class StoreProblem {
  Corrupt,      // not a database, or damaged pages. The file is never modified; offer read-only
                // or Store::move_aside + a fresh database.
  Locked,       // another process holds the database (another Vole?); retry later.
  DiskFull,     // no space (or the size limit) left; nothing committed was lost; retry after freeing space.
  ReadOnly,     // file, folder or file system not writable; offer AccessMode::ReadOnly.
  NoDirectory,  // the database's folder is missing and could not be created.
  TooNew,       // written by a newer Vole with a schema this build does not know.
  Io,           // any other operating-system failure.
};

const char* store_problem_name(StoreProblem problem);
ErrorCode error_code_for(StoreProblem problem);

class StoreError : public Error {
 public:
  StoreError(StoreProblem problem, const std::string& message)
      : Error(error_code_for(problem), message), problem_(problem) {}
  StoreProblem problem() const { return problem_; }

 private:
  StoreProblem problem_;
};

}  // namespace vole::memory

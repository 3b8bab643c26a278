#include "memory/store_error.h"

namespace vole::memory {

const char* store_problem_name(StoreProblem problem) {
  switch (problem) {
    case StoreProblem::Corrupt: return "corrupt";
    case StoreProblem::Locked: return "locked";
    case StoreProblem::DiskFull: return "disk full";
    case StoreProblem::ReadOnly: return "read-only";
    case StoreProblem::NoDirectory: return "no directory";
    case StoreProblem::TooNew: return "too new";
    case StoreProblem::Io: return "I/O error";
  }
  return "error";
}

ErrorCode error_code_for(StoreProblem problem) {
  switch (problem) {
    case StoreProblem::Corrupt: return ErrorCode::InvalidFile;
    case StoreProblem::NoDirectory: return ErrorCode::NotFound;
    case StoreProblem::TooNew: return ErrorCode::Unsupported;
    default: return ErrorCode::Io;
  }
}

}  // namespace vole::memory

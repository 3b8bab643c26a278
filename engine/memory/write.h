#pragma once
// Internal to engine/memory: how every write begins. Refuses clearly on a read-only
// snapshot, names the user's operation for error messages, and opens one transaction.
#include <string>

#include "memory/sqlite.h"
#include "memory/store.h"

namespace vole::memory {

class Write {
 public:
  Write(Store::Locked& locked, const char* what) : check_(locked, what), op_(locked.conn, what), tx_(locked.conn) {}
  void commit() { tx_.commit(); }

 private:
  struct WritableCheck {
    WritableCheck(const Store::Locked& locked, const char* what) {
      if (locked.read_only)
        throw StoreError(StoreProblem::ReadOnly, std::string(what) + ": the conversation database " +
                                                     locked.conn.display_path() + " is open read-only");
    }
  };
  WritableCheck check_;
  sqlite::Operation op_;
  sqlite::Transaction tx_;
};

}  // namespace vole::memory

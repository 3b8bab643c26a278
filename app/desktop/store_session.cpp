#include "store_session.h"

namespace vole::desktop {

using memory::StoreProblem;

StoreSession::StoreSession(std::filesystem::path path, QObject* parent) : QObject(parent), path_(std::move(path)) {}
StoreSession::~StoreSession() = default;

QString StoreSession::mode() const { return store_ ? mode_ : QString("none"); }

int StoreSession::interruptedAtOpen() const {
  return store_ ? static_cast<int>(store_->interrupted_at_open().size()) : 0;
}

bool StoreSession::canRetry() const {
  if (!problem_kind_) return false;
  switch (*problem_kind_) {
    case StoreProblem::Locked:
    case StoreProblem::DiskFull:
    case StoreProblem::NoDirectory:
    case StoreProblem::ReadOnly:
    case StoreProblem::Io:
      return true;
    default:
      return false;
  }
}

bool StoreSession::canReadOnly() const {
  return problem_kind_ && *problem_kind_ != StoreProblem::NoDirectory && std::filesystem::exists(path_);
}

bool StoreSession::canMoveAside() const {
  return problem_kind_ && (*problem_kind_ == StoreProblem::Corrupt || *problem_kind_ == StoreProblem::TooNew);
}

bool StoreSession::attempt(const std::function<memory::Store()>& opener, const QString& mode) {
  try {
    auto store = std::make_unique<memory::Store>(opener());
    store_ = std::move(store);
    mode_ = mode;
    // The problem that led here stays visible for read-only / in-memory sessions (the
    // banner explains why nothing is saved); a normal open clears it.
    if (mode == "normal") {
      problem_kind_.reset();
      problem_.clear();
      message_.clear();
    }
  } catch (const memory::StoreError& e) {
    store_.reset();
    problem_kind_ = e.problem();
    problem_ = memory::store_problem_name(e.problem());
    message_ = QString::fromUtf8(e.what());
  } catch (const std::exception& e) {
    store_.reset();
    problem_kind_ = StoreProblem::Io;
    problem_ = memory::store_problem_name(StoreProblem::Io);
    message_ = QString::fromUtf8(e.what());
  }
  Q_EMIT changed();
  return store_ != nullptr;
}

bool StoreSession::open() {
  store_.reset();
  return attempt([&] { return memory::Store::open({.path = path_}); }, "normal");
}

bool StoreSession::openReadOnly() {
  store_.reset();
  return attempt([&] { return memory::Store::open({.path = path_, .mode = memory::AccessMode::ReadOnly}); },
                 "readOnly");
}

bool StoreSession::openInMemory() {
  store_.reset();
  return attempt([] { return memory::Store::open_in_memory(); }, "inMemory");
}

bool StoreSession::moveAsideAndStartFresh() {
  store_.reset();
  try {
    moved_to_ = QString::fromStdString(memory::Store::move_aside(path_).string());
  } catch (const std::exception& e) {
    message_ = QString::fromUtf8(e.what());
    Q_EMIT changed();
    return false;
  }
  return open();
}

}  // namespace vole::desktop

#pragma once
// Real SQLite conversation databases with one b-tree page really damaged on disk (issue
// 14.6): for tests that open them read-only and check that every read says why it failed.
#include <filesystem>
#include <string>

namespace vole::test {

// A closed database (no WAL left) with `conversations` conversations of a few messages,
// each message containing the word "apricot", enough rows that the FTS index has pages.
void write_conversation_database(const std::filesystem::path& path, int conversations = 20);

// Overwrites the root page of `table` (e.g. "message_fts_data", the FTS index) with a
// byte pattern that is no valid b-tree page; returns the page number.
int damage_root_page(const std::filesystem::path& path, const std::string& table);

}  // namespace vole::test

#pragma once
// Splits Markdown into prose and fenced code blocks, so the chat view can render prose
// with Qt's Markdown support (TextEdit.MarkdownText) and give each code block its own
// frame and Copy button. Only fences are recognised here; everything else is Qt's job.
#include <QString>
#include <QVariantList>
#include <vector>

namespace vole::desktop {

struct MarkdownBlock {
  enum class Kind { Prose, Code };
  Kind kind = Kind::Prose;
  QString text;        // prose as Markdown; code verbatim, without the fences
  QString language;    // the fence's info word ("python"), code only
  bool closed = true;  // false for a code block still streaming (no closing fence yet)
  bool operator==(const MarkdownBlock&) const = default;
};

// A fence opens with ``` or ~~~ (3 or more, indented at most 3 spaces) and closes with a
// line of the same character at least as long. An unclosed fence runs to the end.
// Prose blocks that are only whitespace are dropped.
std::vector<MarkdownBlock> split_markdown_blocks(const QString& markdown);

// As a list of {kind: "prose"|"code", text, language, closed} maps for QML.
QVariantList markdown_blocks_for_qml(const QString& markdown);

}  // namespace vole::desktop

#include "markdown_blocks.h"

#include <QVariantMap>
#include <optional>

namespace vole::desktop {

namespace {

struct Fence {
  QChar ch;
  int length = 0;
  QString info;
};

// The fence a line opens, if it is one.
std::optional<Fence> opening_fence(const QString& line) {
  int i = 0;
  while (i < line.size() && i < 4 && line[i] == ' ') ++i;
  if (i > 3 || i >= line.size() || (line[i] != '`' && line[i] != '~')) return std::nullopt;
  QChar ch = line[i];
  int n = 0;
  while (i + n < line.size() && line[i + n] == ch) ++n;
  if (n < 3) return std::nullopt;
  QString info = line.mid(i + n).trimmed();
  if (ch == '`' && info.contains('`')) return std::nullopt;  // CommonMark: not a fence
  return Fence{ch, n, info.section(' ', 0, 0)};
}

bool closes(const QString& line, const Fence& open) {
  int i = 0;
  while (i < line.size() && i < 4 && line[i] == ' ') ++i;
  if (i > 3) return false;
  int n = 0;
  while (i + n < line.size() && line[i + n] == open.ch) ++n;
  return n >= open.length && line.mid(i + n).trimmed().isEmpty();
}

}  // namespace

std::vector<MarkdownBlock> split_markdown_blocks(const QString& markdown) {
  std::vector<MarkdownBlock> blocks;
  QString prose;
  auto flush_prose = [&] {
    if (!prose.trimmed().isEmpty()) {
      if (prose.endsWith('\n')) prose.chop(1);
      blocks.push_back({MarkdownBlock::Kind::Prose, prose, {}, true});
    }
    prose.clear();
  };
  const QStringList lines = markdown.split('\n');
  for (qsizetype i = 0; i < lines.size(); ++i) {
    auto fence = opening_fence(lines[i]);
    if (!fence) {
      prose += lines[i];
      if (i + 1 < lines.size()) prose += '\n';
      continue;
    }
    flush_prose();
    MarkdownBlock code{MarkdownBlock::Kind::Code, {}, fence->info, false};
    QStringList body;
    for (++i; i < lines.size(); ++i) {
      if (closes(lines[i], *fence)) {
        code.closed = true;
        break;
      }
      body << lines[i];
    }
    code.text = body.join('\n');
    blocks.push_back(std::move(code));
  }
  flush_prose();
  return blocks;
}

QVariantList markdown_blocks_for_qml(const QString& markdown) {
  QVariantList out;
  for (const auto& b : split_markdown_blocks(markdown)) {
    out.append(QVariantMap{{"kind", b.kind == MarkdownBlock::Kind::Code ? "code" : "prose"},
                           {"text", b.text},
                           {"language", b.language},
                           {"closed", b.closed}});
  }
  return out;
}

}  // namespace vole::desktop

#pragma once
// The composer's pictures before sending: added from files (attach button, drag and
// drop) or the clipboard (paste), each checked by the engine's decoder so a bad file is
// refused with its reason at once, shown as a thumbnail with the number of LLM tokens it
// will cost under the loaded model's preprocessing, removable until sent. On send the
// chat controller stores them with the user message (memory/images.h).
//
// It also says whether images can be attached at all (a model that cannot see, or whose
// vision part is not downloaded: `blocker`, and `downloadRepo` for Download vision) and
// shows the engine worker's progress while it encodes a prompt's images.
#include <QAbstractListModel>
#include <QByteArray>
#include <QList>
#include <QTemporaryDir>
#include <QUrl>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine_controller.h"
#include "memory/export.h"
#include "memory/images.h"
#include "memory/store.h"
#include "runtime/vision.h"

namespace vole::desktop {

class ImageAttachments : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)
  Q_PROPERTY(int tokenCount READ tokenCount NOTIFY countChanged)                 // -1: unknown (no model loaded)
  Q_PROPERTY(QString blocker READ blocker NOTIFY availabilityChanged)            // "" when images can be attached
  Q_PROPERTY(QString downloadRepo READ downloadRepo NOTIFY availabilityChanged)  // for Download vision, or ""
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)                       // why the last add failed
  Q_PROPERTY(bool encoding READ encoding NOTIFY encodingChanged)
  Q_PROPERTY(double encodeProgress READ encodeProgress NOTIFY encodingChanged)
  Q_PROPERTY(QString encodeStage READ encodeStage NOTIFY encodingChanged)

 public:
  enum Role { SourceRole = Qt::UserRole + 1, NameRole, WidthRole, HeightRole, TokensRole };
  explicit ImageAttachments(EngineController* engine, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  int count() const { return static_cast<int>(items_.size()); }
  int tokenCount() const;
  QString blocker() const;
  QString downloadRepo() const;
  QString error() const { return error_; }
  bool encoding() const { return encoding_; }
  double encodeProgress() const { return encode_progress_; }
  QString encodeStage() const { return encode_stage_; }

  // Each returns "" or why nothing was added (also in `error`).
  Q_INVOKABLE QString addFiles(const QList<QUrl>& files);
  Q_INVOKABLE QString addFile(const QUrl& file) { return addFiles({file}); }
  Q_INVOKABLE QString paste();  // the clipboard's image (or image files copied in a file manager)
  Q_INVOKABLE bool clipboardHasImage() const;
  Q_INVOKABLE void remove(int row);
  Q_INVOKABLE void clear();
  // The chat's cap on one image's LLM tokens ("Image detail"); the counts follow it.
  void set_max_image_tokens(int64_t n);

  // Adds encoded image bytes (a file's or the clipboard's); `name` labels it in errors.
  QString add_bytes(const QByteArray& bytes, const QString& name, const QUrl& source);
  // Stores the pending images with `message` (in the caller's store) and empties the list.
  void save_to(memory::Store& store, memory::MessageId message);

 Q_SIGNALS:
  void countChanged();
  void availabilityChanged();
  void errorChanged();
  void encodingChanged();

 private:
  struct Item {
    QByteArray bytes;
    QString extension;  // memory::NewImage's
    QString name;
    QUrl source;  // for the thumbnail
    int width = 0, height = 0;
    int tokens = -1;
  };
  int tokens_for(int width, int height) const;
  void set_error(const QString& e);
  void recount();

  EngineController* engine_;
  std::vector<Item> items_;
  QString error_;
  bool encoding_ = false;
  double encode_progress_ = 0;
  QString encode_stage_;
  std::unique_ptr<QTemporaryDir> pasted_;  // pasted pictures as files, for their thumbnails
  int pasted_count_ = 0;
  int64_t max_image_tokens_ = runtime::VisionOptions{}.max_image_tokens;
};

// The images stored with the messages of `path` (memory::message_images for their ids).
memory::ImagesByMessage stored_images(memory::Store& store, const std::vector<memory::Message>& path);
// A message's content as the chat template takes it with pictures: `images` image parts
// (the template writes each one's placeholder), then the text.
nlohmann::ordered_json content_with_images(const std::string& text, size_t images);

}  // namespace vole::desktop

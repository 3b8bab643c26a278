#include "image_attachments.h"

#include <QBuffer>
#include <QClipboard>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QMimeData>

#include "event_log.h"
#include "image/decode.h"
#include "image/preprocess.h"
#include "image/preprocessor_config.h"
#include "qt_strings.h"
#include "runtime/vision.h"

namespace vole::desktop {

namespace {

const char* extension_of(image::ImageFormat f) {
  switch (f) {
    case image::ImageFormat::Png:
      return "png";
    case image::ImageFormat::Jpeg:
      return "jpg";
    case image::ImageFormat::WebP:
      return "webp";
    case image::ImageFormat::Gif:
      return "gif";
    case image::ImageFormat::Bmp:
      return "bmp";
  }
  return "png";
}

std::span<const uint8_t> span_of(const QByteArray& b) {
  return {reinterpret_cast<const uint8_t*>(b.constData()), static_cast<size_t>(b.size())};
}

}  // namespace

ImageAttachments::ImageAttachments(EngineController* engine, QObject* parent)
    : QAbstractListModel(parent), engine_(engine) {
  connect(engine_, &EngineController::stateChanged, this, [this] {
    recount();
    Q_EMIT availabilityChanged();
  });
  connect(engine_, &EngineController::imageProgress, this, [this](qint64, double fraction, const QString& stage) {
    encoding_ = fraction < 1.0;
    encode_progress_ = fraction;
    encode_stage_ = stage;
    Q_EMIT encodingChanged();
  });
  connect(engine_, &EngineController::finished, this, [this] {
    if (!encoding_) return;
    encoding_ = false;  // stopped or failed while encoding
    Q_EMIT encodingChanged();
  });
}

int ImageAttachments::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant ImageAttachments::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= count()) return {};
  const Item& it = items_[index.row()];
  switch (role) {
    case SourceRole:
      return it.source;
    case NameRole:
      return it.name;
    case WidthRole:
      return it.width;
    case HeightRole:
      return it.height;
    case TokensRole:
      return it.tokens;
  }
  return {};
}

QHash<int, QByteArray> ImageAttachments::roleNames() const {
  return {{SourceRole, "source"},
          {NameRole, "name"},
          {WidthRole, "imageWidth"},
          {HeightRole, "imageHeight"},
          {TokensRole, "tokens"}};
}

int ImageAttachments::tokenCount() const {
  int total = 0;
  for (const auto& it : items_) {
    if (it.tokens < 0) return -1;
    total += it.tokens;
  }
  return total;
}

QString ImageAttachments::blocker() const {
  const ModelInfo& info = engine_->info();
  if (engine_->state() != EngineState::Ready) return tr("Load a model that can see images to attach pictures.");
  if (!info.vision_available) return tr("%1 cannot see images: it has no vision tower.").arg(info.name);
  if (!info.vision_downloaded)
    return tr("The vision part of %1 is not downloaded. Download it to ask about pictures.").arg(info.name);
  return {};
}

QString ImageAttachments::downloadRepo() const {
  const ModelInfo& info = engine_->info();
  return engine_->state() == EngineState::Ready && info.vision_available && !info.vision_downloaded ? info.repo
                                                                                                    : QString();
}

// What the image will cost under the loaded model's preprocessing (the same smart_resize
// the worker runs); -1 when no model with a vision tower is loaded.
int ImageAttachments::tokens_for(int width, int height) const {
  const ModelInfo& info = engine_->info();
  if (engine_->state() != EngineState::Ready || !info.vision_available) return -1;
  try {
    std::filesystem::path file = std::filesystem::path(info.dir.toStdString()) / "preprocessor_config.json";
    image::PreprocessorConfig config =
        std::filesystem::exists(file) ? image::load_preprocessor_config(file) : image::PreprocessorConfig{};
    image::PreprocessOptions options{.max_image_tokens = max_image_tokens_};
    auto plan = image::smart_resize(height, width, config.factor(), config.min_pixels,
                                    image::effective_max_pixels(config, options));
    return (plan.height / config.factor()) * (plan.width / config.factor());
  } catch (const std::exception&) {
    return -1;  // the worker reports the problem when the image is sent
  }
}

void ImageAttachments::set_max_image_tokens(int64_t n) {
  if (n == max_image_tokens_) return;
  max_image_tokens_ = n;
  recount();
}

void ImageAttachments::recount() {
  if (items_.empty()) return;
  for (auto& it : items_) it.tokens = tokens_for(it.width, it.height);
  Q_EMIT dataChanged(index(0), index(count() - 1), {TokensRole});
  Q_EMIT countChanged();
}

void ImageAttachments::set_error(const QString& e) {
  if (error_ == e) return;
  error_ = e;
  Q_EMIT errorChanged();
}

QString ImageAttachments::add_bytes(const QByteArray& bytes, const QString& name, const QUrl& source) {
  if (QString why = blocker(); !why.isEmpty()) {
    set_error(why);
    return why;
  }
  Item item;
  try {
    // A full decode: what the worker will do, so a file it would refuse is refused now.
    image::DecodedImage decoded = image::decode_image(span_of(bytes), name.toStdString());
    item.extension = QString::fromLatin1(extension_of(decoded.format));
    item.width = decoded.image.width;
    item.height = decoded.image.height;
  } catch (const std::exception& e) {
    QString why = qstr(e.what());
    set_error(why);
    return why;
  }
  item.bytes = bytes;
  item.name = name;
  item.source = source;
  item.tokens = tokens_for(item.width, item.height);
  beginInsertRows({}, count(), count());
  items_.push_back(std::move(item));
  endInsertRows();
  log_event("image-attached", {{"name", name}, {"tokens", items_.back().tokens}, {"count", count()}});
  set_error({});
  Q_EMIT countChanged();
  return {};
}

QString ImageAttachments::addFiles(const QList<QUrl>& files) {
  QString first_error;
  for (const QUrl& url : files) {
    QString path = url.isLocalFile() ? url.toLocalFile() : url.toString();
    QFile f(path);
    QString why;
    if (!url.isLocalFile())
      why = tr("%1 is not a local file.").arg(url.toString());
    else if (QFileInfo(path).isDir())
      why = tr("%1 is a folder, not an image.").arg(path);
    else if (QFileInfo(path).size() > qint64(image::DecodeLimits{}.max_file_bytes))
      why = tr("%1 is too large to be an image Vole reads.").arg(path);
    else if (!f.open(QIODevice::ReadOnly))
      why = tr("Cannot read %1: %2").arg(path, f.errorString());
    else
      why = add_bytes(f.readAll(), QFileInfo(path).fileName(), url);
    if (!why.isEmpty() && first_error.isEmpty()) first_error = why;
  }
  set_error(first_error);
  return first_error;
}

bool ImageAttachments::clipboardHasImage() const {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  return mime && (mime->hasImage() || (mime->hasUrls() && !mime->urls().isEmpty()));
}

QString ImageAttachments::paste() {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  if (!mime) return tr("The clipboard is empty.");
  if (mime->hasUrls() && !mime->urls().isEmpty()) return addFiles(mime->urls());  // files copied in a file manager
  if (!mime->hasImage()) return tr("The clipboard holds no image.");
  QImage picture = qvariant_cast<QImage>(mime->imageData());
  if (picture.isNull()) return tr("The clipboard's image could not be read.");
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  picture.save(&buffer, "PNG");
  // Kept as a file so the thumbnail loads like any other.
  if (!pasted_) pasted_ = std::make_unique<QTemporaryDir>();
  QString path = pasted_->filePath(QStringLiteral("pasted-%1.png").arg(++pasted_count_));
  QFile f(path);
  if (!pasted_->isValid() || !f.open(QIODevice::WriteOnly) || f.write(png) != png.size())
    return tr("Cannot keep the pasted image: %1").arg(f.errorString());
  f.close();
  return add_bytes(png, tr("Pasted image"), QUrl::fromLocalFile(path));
}

void ImageAttachments::remove(int row) {
  if (row < 0 || row >= count()) return;
  beginRemoveRows({}, row, row);
  items_.erase(items_.begin() + row);
  endRemoveRows();
  Q_EMIT countChanged();
}

void ImageAttachments::clear() {
  if (items_.empty()) return;
  beginResetModel();
  items_.clear();
  endResetModel();
  set_error({});
  Q_EMIT countChanged();
}

void ImageAttachments::save_to(memory::Store& store, memory::MessageId message) {
  if (items_.empty()) return;
  std::vector<memory::NewImage> images;
  for (const auto& it : items_) images.push_back({span_of(it.bytes), it.extension.toStdString()});
  memory::attach_images(store, message, images);
  clear();
}

memory::ImagesByMessage stored_images(memory::Store& store, const std::vector<memory::Message>& path) {
  std::vector<memory::MessageId> ids;
  for (const auto& m : path) ids.push_back(m.id);
  return memory::message_images(store, ids);
}

nlohmann::ordered_json content_with_images(const std::string& text, size_t images) {
  auto content = nlohmann::ordered_json::array();
  for (size_t i = 0; i < images; ++i) content.push_back({{"type", "image"}});
  if (!text.empty()) content.push_back({{"type", "text"}, {"text", text}});
  return content;
}

}  // namespace vole::desktop

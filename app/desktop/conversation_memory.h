#pragma once
// Conversation memory (`App.memory`): finished messages are embedded in the background with
// the knowledge base's embedding model (on the indexing thread, between indexing jobs) and
// stored with them (memory/message_vectors.h). Ctrl+F's "by meaning" mode fuses the nearest
// messages with the word search by reciprocal rank fusion. With `recall` on (a setting, off
// by default) an answer may be given earlier conversations' nearest messages, and the note
// under the answer says which (they are stored as its sources, collection "memory").
#include <QObject>
#include <QTimer>
#include <optional>
#include <vector>

#include "memory/message_vectors.h"
#include "memory/search.h"

namespace vole::desktop {

class KnowledgeController;
class StoreSession;

class ConversationMemory : public QObject {
  Q_OBJECT
  Q_PROPERTY(bool recall READ recall WRITE setRecall NOTIFY recallChanged)
  Q_PROPERTY(qulonglong remembered READ remembered NOTIFY rememberedChanged)  // messages with vectors

 public:
  // `settings_file`: the INI file the recall setting is kept in ("" = the user's settings).
  ConversationMemory(StoreSession* session, KnowledgeController* knowledge, QString settings_file,
                     QObject* parent = nullptr);

  bool recall() const { return recall_; }
  void setRecall(bool on);
  qulonglong remembered() const { return remembered_; }

  // Something was written (an answer finished, a model arrived): embeds what has no vector
  // yet, in batches, after a short pause.
  void poke();

  // Ctrl+F by meaning: the word search's hits and the nearest messages (similarity >= floor)
  // fused, best first. Throws with the reason when it cannot run (no embedding model yet).
  std::vector<memory::SearchHit> search(const QString& query, size_t limit = 50);

  // Messages of other conversations near `question` (recall; empty when off or unavailable).
  std::vector<memory::MeaningHit> recall_for(const std::string& question, memory::ConversationId current, size_t k = 3);

  static constexpr float kMinSimilarity = 0.35f;  // calibrate per model, like the knowledge floor
  static constexpr double kRrfK = 60;

 Q_SIGNALS:
  void recallChanged();
  void rememberedChanged();

 private:
  void embed_next();
  void on_embedded(qint64 tag, const QString& model_id, const QList<float>& vectors, const QString& error);
  std::optional<std::vector<float>> query_vector(const std::string& text, std::string* model_id);
  void count_remembered();

  StoreSession* session_;
  KnowledgeController* knowledge_;
  QString settings_file_;
  bool recall_ = false;
  qulonglong remembered_ = 0;
  QTimer delay_;
  qint64 tag_ = 0;                        // of the batch in flight (0: none)
  std::vector<memory::MessageId> batch_;  // its messages
};

}  // namespace vole::desktop

// Conversation memory on real SQLite files: message vectors with known geometry (unit
// vectors at chosen angles), so the nearest message is known: it ranks first, the floor
// drops the unrelated, a conversation can be left out, the trash is not searched, an edit
// drops the stale vector, other models' vectors are never compared, sizes are checked.
#include <cmath>

#include "memory/memory_test.h"
#include "memory/message_vectors.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

constexpr size_t kDims = 8;

// A unit vector in the plane of axes 0 and 1 at `degrees`, plus `axis` for unrelated ones.
std::vector<float> at_angle(double degrees) {
  std::vector<float> v(kDims, 0.0f);
  v[0] = static_cast<float>(std::cos(degrees * M_PI / 180));
  v[1] = static_cast<float>(std::sin(degrees * M_PI / 180));
  return v;
}
std::vector<float> axis(size_t i) {
  std::vector<float> v(kDims, 0.0f);
  v[i] = 1.0f;
  return v;
}

struct Fixture {
  ConversationId pets = 0, cooking = 0;
  MessageId cat = 0, dog = 0, soup = 0, bread = 0;
};

Fixture fill(Store& store) {
  Fixture f;
  f.pets = store.create_conversation({.title = "Pets"}).id;
  f.cat = store.append_message(f.pets, {.role = Role::User, .content = "My cat sleeps all day."}).id;
  f.dog = store.append_message(f.pets, {.role = Role::Assistant, .content = "Dogs need walks."}).id;
  f.cooking = store.create_conversation({.title = "Cooking"}).id;
  f.soup = store.append_message(f.cooking, {.role = Role::User, .content = "A recipe for onion soup?"}).id;
  f.bread = store.append_message(f.cooking, {.role = Role::Assistant, .content = "Bake the bread at 220 C."}).id;
  return f;
}

void save(Store& store, const std::string& model, const std::vector<MessageId>& ids,
          const std::vector<std::vector<float>>& rows) {
  std::vector<float> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  save_message_vectors(store, model, ids, flat, kDims);
}

}  // namespace

TEST_F(StoreTest, MemoryFindsTheNearestMessageFirst) {
  auto store = open();
  Fixture f = fill(store);
  auto todo = messages_to_embed(store, "m1", 100);
  ASSERT_EQ(todo.size(), 4u);
  EXPECT_EQ(todo[0].text, "My cat sleeps all day.");
  // cat at 0 degrees, dog at 30, soup at 90 (orthogonal to cat), bread on another axis.
  save(store, "m1", {f.cat, f.dog, f.soup, f.bread}, {at_angle(0), at_angle(30), at_angle(90), axis(5)});
  EXPECT_TRUE(messages_to_embed(store, "m1", 100).empty());
  EXPECT_EQ(message_vector_count(store, "m1"), 4u);

  auto hits = nearest_messages(store, "m1", at_angle(10), 10, 0.35f);
  ASSERT_EQ(hits.size(), 2u);  // soup (cos 80 deg = 0.17) and bread (0) are below the floor
  EXPECT_EQ(hits[0].message, f.cat);
  EXPECT_NEAR(hits[0].similarity, std::cos(10 * M_PI / 180), 2e-3);  // f16 storage
  EXPECT_EQ(hits[1].message, f.dog);
  hits = nearest_messages(store, "m1", at_angle(25), 10, 0.35f);
  EXPECT_EQ(hits[0].message, f.dog);
  hits = nearest_messages(store, "m1", at_angle(80), 1, 0.35f);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].message, f.soup);
  EXPECT_EQ(hits[0].conversation, f.cooking);

  // Leaving the current conversation out (recall of *earlier* conversations).
  hits = nearest_messages(store, "m1", at_angle(10), 10, -1.0f, f.pets);
  for (const auto& h : hits) EXPECT_EQ(h.conversation, f.cooking);

  // Another model's vectors are never compared with these.
  EXPECT_TRUE(nearest_messages(store, "m2", at_angle(0), 10, -1.0f).empty());
  EXPECT_EQ(messages_to_embed(store, "m2", 100).size(), 4u);
}

TEST_F(StoreTest, MemoryForgetsStaleAndTrashedMessages) {
  auto store = open();
  Fixture f = fill(store);
  save(store, "m1", {f.cat, f.dog, f.soup, f.bread}, {at_angle(0), at_angle(30), at_angle(90), axis(5)});
  // A message whose text changes (an answer continued in place) loses its vector.
  auto resumed = store.begin_assistant(f.cooking);
  save(store, "m1", {resumed.id}, {axis(6)});  // streaming: saved but never searched
  EXPECT_TRUE(nearest_messages(store, "m1", axis(6), 10, 0.5f).empty());
  {
    auto l = store.lock();
    l.conn.exec("UPDATE messages SET content = 'Bake it longer.' WHERE id = " + std::to_string(f.bread));
  }
  EXPECT_TRUE(nearest_messages(store, "m1", axis(5), 10, 0.5f).empty());
  auto todo = messages_to_embed(store, "m1", 100);
  ASSERT_EQ(todo.size(), 1u);
  EXPECT_EQ(todo[0].id, f.bread);

  store.soft_delete(f.pets);
  EXPECT_TRUE(nearest_messages(store, "m1", at_angle(0), 10, 0.5f).empty());
  store.undo_delete(f.pets);
  EXPECT_EQ(nearest_messages(store, "m1", at_angle(0), 10, 0.5f).size(), 2u);
}

TEST_F(StoreTest, MemoryRefusesMismatchedSizesAndCutsLongTexts) {
  auto store = open();
  Fixture f = fill(store);
  std::vector<MessageId> ids{f.cat, f.dog};
  std::vector<float> three(3 * kDims, 0.1f);
  EXPECT_THROW(save_message_vectors(store, "m1", ids, three, kDims), Error);
  EXPECT_THROW(save_message_vectors(store, "m1", ids, std::vector<float>{}, 0), Error);
  EXPECT_EQ(message_vector_count(store, "m1"), 0u);
  // Vectors of another width are skipped by a query (never compared partially).
  save(store, "m1", {f.cat}, {at_angle(0)});
  EXPECT_TRUE(nearest_messages(store, "m1", std::vector<float>(4, 0.5f), 10, -1.0f).empty());

  std::string long_text;
  for (int i = 0; i < 3000; ++i) long_text += "é";  // two bytes each
  auto c = store.create_conversation().id;
  store.append_message(c, {.role = Role::User, .content = long_text});
  auto todo = messages_to_embed(store, "m1", 100, 4001);
  ASSERT_FALSE(todo.empty());
  EXPECT_EQ(todo.back().text.size(), 4000u);  // cut before the split character
}

// The message tree: the active path, edit-and-resend branches, regenerated answers,
// switching between sibling branches, and continuing an interrupted answer.
#include "memory/memory_test.h"
#include "memory/stream_writer.h"

using namespace vole;
using namespace vole::memory;
using vole::memory::memtest::StoreTest;

namespace {

std::vector<std::string> contents(const std::vector<Message>& path) {
  std::vector<std::string> out;
  for (const auto& m : path) out.push_back(m.content);
  return out;
}

using Texts = std::vector<std::string>;

// A finished assistant answer under the active leaf.
Message answer(Store& store, ConversationId c, const std::string& text) {
  return store.append_message(c, {.role = Role::Assistant, .content = text});
}

}  // namespace

TEST_F(StoreTest, ActivePathFollowsAppends) {
  auto store = open();
  auto c = store.create_conversation();
  EXPECT_TRUE(store.active_path(c.id).empty());
  store.append_message(c.id, {.content = "q1"});
  answer(store, c.id, "a1");
  store.append_message(c.id, {.content = "q2"});
  auto a2 = answer(store, c.id, "a2");
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1", "a1", "q2", "a2"}));
  EXPECT_EQ(contents(store.path_to(a2.parent_id.value())), (Texts{"q1", "a1", "q2"}));
  EXPECT_THROW(store.path_to(a2.id + 99), Error);
  EXPECT_THROW(store.active_path(c.id + 99), Error);
}

TEST_F(StoreTest, EditCreatesSiblingBranchAndKeepsTheOriginal) {
  auto store = open();
  auto c = store.create_conversation();
  store.append_message(c.id, {.content = "q1"});
  answer(store, c.id, "a1");
  auto q2 = store.append_message(c.id, {.content = "q2"});
  answer(store, c.id, "a2");

  auto q2b = store.edit_user_message(q2.id, "q2 edited");
  EXPECT_EQ(q2b.parent_id, q2.parent_id);
  EXPECT_EQ(q2b.sibling_count, 2);
  EXPECT_EQ(q2b.sibling_index, 1);
  EXPECT_EQ(store.conversation(c.id)->active_leaf_id, q2b.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1", "a1", "q2 edited"}));
  answer(store, c.id, "a2 for the edit");
  auto path = store.active_path(c.id);
  EXPECT_EQ(contents(path), (Texts{"q1", "a1", "q2 edited", "a2 for the edit"}));
  EXPECT_EQ(path[2].sibling_count, 2);
  EXPECT_EQ(path[2].sibling_index, 1);
  EXPECT_EQ(path[1].sibling_count, 1);

  auto sibs = store.siblings(q2.id);
  ASSERT_EQ(sibs.size(), 2u);
  EXPECT_EQ(sibs[0].id, q2.id);
  EXPECT_EQ(sibs[1].id, q2b.id);

  // Back to the original branch: its whole subtree returns.
  store.select_branch(q2.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1", "a1", "q2", "a2"}));
  store.select_branch(q2b.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1", "a1", "q2 edited", "a2 for the edit"}));

  // Only user messages can be edited.
  EXPECT_THROW(store.edit_user_message(path[1].id, "nope"), Error);
}

TEST_F(StoreTest, EditingTheFirstMessageMakesANewRoot) {
  auto store = open();
  auto c = store.create_conversation();
  auto q1 = store.append_message(c.id, {.content = "first"});
  answer(store, c.id, "reply");
  auto other = store.create_conversation();
  store.append_message(other.id, {.content = "another conversation's root"});

  auto edited = store.edit_user_message(q1.id, "first, better");
  EXPECT_FALSE(edited.parent_id);
  EXPECT_EQ(edited.sibling_count, 2);  // roots of other conversations do not count
  EXPECT_EQ(store.siblings(q1.id).size(), 2u);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"first, better"}));
  store.select_branch(q1.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"first", "reply"}));
}

TEST_F(StoreTest, RegenerateAddsAnAnswerBeside) {
  auto store = open();
  auto c = store.create_conversation();
  auto q = store.append_message(c.id, {.content = "tell me a joke"});
  auto a1 = answer(store, c.id, "joke one");

  auto a2 = store.regenerate(a1.id);
  EXPECT_EQ(a2.parent_id, q.id);
  EXPECT_EQ(a2.role, Role::Assistant);
  EXPECT_EQ(a2.status, MessageStatus::Streaming);
  EXPECT_EQ(a2.content, "");
  {
    StreamWriter w(store, a2.id);
    w.append_content("joke two");
    w.finish(MessageStatus::Complete, MessageStats{.generated_tokens = 2});
  }
  auto path = store.active_path(c.id);
  EXPECT_EQ(contents(path), (Texts{"tell me a joke", "joke two"}));
  EXPECT_EQ(path[1].status, MessageStatus::Complete);
  EXPECT_EQ(path[1].sibling_index, 1);
  EXPECT_EQ(path[1].sibling_count, 2);

  auto a3 = store.regenerate(a2.id);
  StreamWriter(store, a3.id).finish(MessageStatus::Cancelled);
  EXPECT_EQ(store.siblings(a1.id).size(), 3u);
  EXPECT_EQ(store.active_path(c.id).back().status, MessageStatus::Cancelled);
  store.select_branch(a1.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"tell me a joke", "joke one"}));

  EXPECT_THROW(store.regenerate(q.id), Error);  // only answers
}

TEST_F(StoreTest, SelectBranchDescendsToTheNewestLeaf) {
  auto store = open();
  auto c = store.create_conversation();
  auto q1 = store.append_message(c.id, {.content = "q1"});
  auto a1 = answer(store, c.id, "a1");
  store.append_message(c.id, {.content = "q2"});
  auto q2b = store.edit_user_message(store.active_path(c.id).back().id, "q2b");
  answer(store, c.id, "a2b");
  auto q1b = store.edit_user_message(q1.id, "q1b");
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1b"}));
  auto before = store.conversation(c.id)->updated_at_ms;

  // Selecting q1 goes down to the most recent branch below it: q2b -> a2b.
  store.select_branch(q1.id);
  EXPECT_EQ(contents(store.active_path(c.id)), (Texts{"q1", "a1", "q2b", "a2b"}));
  // Selecting an inner message shows the branch through it.
  store.select_branch(a1.id);
  EXPECT_EQ(store.active_path(c.id).back().content, "a2b");
  EXPECT_EQ(store.conversation(c.id)->updated_at_ms, before);  // browsing is not activity
  (void)q2b;
  (void)q1b;
}

TEST_F(StoreTest, ResumeContinuesAnInterruptedLeafAnswer) {
  auto store = open();
  auto c = store.create_conversation();
  store.append_message(c.id, {.content = "count to five"});
  auto a = store.begin_assistant(c.id);
  {
    StreamWriter w(store, a.id);
    w.append_content("one two");
    // Destroyed unfinished: saved and marked interrupted.
  }
  EXPECT_EQ(store.message(a.id)->status, MessageStatus::Interrupted);
  EXPECT_EQ(store.message(a.id)->content, "one two");

  auto resumed = store.resume(a.id);
  EXPECT_EQ(resumed.status, MessageStatus::Streaming);
  EXPECT_EQ(resumed.content, "one two");
  EXPECT_EQ(store.path_to(a.id).size(), 2u);  // the context for the continuation
  {
    StreamWriter w(store, a.id);
    EXPECT_EQ(w.content(), "one two");
    w.append_content(" three four five");
    w.finish();
  }
  EXPECT_EQ(store.message(a.id)->content, "one two three four five");
  EXPECT_EQ(store.message(a.id)->status, MessageStatus::Complete);

  // A complete answer, or one with replies, cannot be continued.
  EXPECT_THROW(store.resume(a.id), Error);
  auto b = store.begin_assistant(c.id);
  StreamWriter(store, b.id).finish(MessageStatus::Error, std::nullopt, "GPU lost");
  store.append_message(c.id, {.content = "reply after the failed answer"});
  EXPECT_THROW(store.resume(b.id), Error);
}

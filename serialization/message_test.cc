#include "serialization/message.h"

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace bossa {
namespace {

struct DestructionCounter {
  explicit DestructionCounter(int* count) : count(count) {}
  DestructionCounter(DestructionCounter&& other) noexcept
      : count(std::exchange(other.count, nullptr)) {}
  ~DestructionCounter() {
    if (count != nullptr) ++*count;
  }
  int* count;
};

TEST(TypeTag, IsEqualForTheSameDecayedTypeAndDistinctOtherwise) {
  EXPECT_EQ(type_tag_of<int>(), type_tag_of<const int&>());
  EXPECT_EQ(type_tag_of<std::string>(), type_tag_of<std::string&&>());
  EXPECT_NE(type_tag_of<int>(), type_tag_of<long>());
  EXPECT_NE(type_tag_of<int>(), type_tag_of<unsigned>());
  EXPECT_NE(type_tag_of<std::string>(), nullptr);
}

TEST(Message, DefaultIsEmpty) {
  Message m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.tag(), nullptr);
  EXPECT_EQ(m.data(), nullptr);
  EXPECT_EQ(m.get_if<int>(), nullptr);
}

TEST(Message, HoldsTheValueItWasMadeWith) {
  Message m = Message::make<std::string>(3, 'x');
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.tag(), type_tag_of<std::string>());
  ASSERT_NE(m.get_if<std::string>(), nullptr);
  EXPECT_EQ(*m.get_if<std::string>(), "xxx");
  EXPECT_EQ(m.data(), m.get_if<std::string>());
  EXPECT_TRUE(m.is<std::string>());
}

TEST(Message, MakesAggregatesFromTheirMembers) {
  struct Point {
    int x;
    int y;
  };
  Message m = Message::make<Point>(3, 4);
  ASSERT_NE(m.get_if<Point>(), nullptr);
  EXPECT_EQ(m.get_if<Point>()->x, 3);
  EXPECT_EQ(m.get_if<Point>()->y, 4);
}

TEST(Message, GetIfOfAnotherTypeIsNull) {
  Message m = Message::make<int>(7);
  EXPECT_EQ(m.get_if<long>(), nullptr);
  EXPECT_EQ(m.get_if<std::string>(), nullptr);
  const Message& cm = m;
  ASSERT_NE(cm.get_if<int>(), nullptr);
  EXPECT_EQ(*cm.get_if<int>(), 7);
}

TEST(Message, MoveTransfersOwnershipWithoutCopying) {
  Message a = Message::make<std::unique_ptr<int>>(std::make_unique<int>(5));
  const void* held = a.data();
  Message b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.data(), held);
  EXPECT_EQ(**b.get_if<std::unique_ptr<int>>(), 5);

  Message c = Message::make<int>(1);
  c = std::move(b);
  EXPECT_EQ(c.data(), held);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(Message, DestroysTheValueExactlyOnce) {
  int destroyed = 0;
  {
    Message a = Message::make<DestructionCounter>(&destroyed);
    Message b = std::move(a);
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);

  Message c = Message::make<DestructionCounter>(&destroyed);
  c = Message::make<int>(0);
  EXPECT_EQ(destroyed, 2);
  Message d = Message::make<DestructionCounter>(&destroyed);
  d.reset();
  EXPECT_EQ(destroyed, 3);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace bossa

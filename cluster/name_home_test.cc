#include "cluster/name_home.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace bossa {
namespace {

TEST(NameHome, ScoresAreTheSameInEveryProcess) {
  // Pinned: nodes of one cluster, whatever their build or process, must agree on every home.
  EXPECT_EQ(name_home_score("", 1), 0x36178ff42bee28e5u);
  EXPECT_EQ(name_home_score("sink", 1), 0x79e2f9f970864298u);
  EXPECT_EQ(name_home_score("sink", 2), 0x3be27dca1d1780d1u);
  EXPECT_EQ(name_home_score("echo@alpha", 3291452367u), 0xeae64a756d740b81u);
}

TEST(NameHome, TheHomeDoesNotDependOnTheOrderOfTheNodes) {
  const std::vector<uint32_t> nodes = {7, 3, 11, 5};
  const std::vector<uint32_t> reversed(nodes.rbegin(), nodes.rend());
  for (int i = 0; i < 100; ++i) {
    const std::string name = absl::StrCat("name-", i);
    EXPECT_EQ(name_home(name, nodes), name_home(name, reversed)) << name;
  }
  EXPECT_EQ(name_home("x", {}), 0u);
}

TEST(NameHome, NamesSpreadEvenlyOverTheNodes) {
  const std::vector<uint32_t> nodes = {101, 102, 103, 104, 105, 106, 107, 108};
  std::map<uint32_t, int> homes;
  constexpr int kNames = 8000;
  for (int i = 0; i < kNames; ++i) ++homes[name_home(absl::StrCat("n", i), nodes)];
  ASSERT_EQ(homes.size(), nodes.size());
  for (const auto& [node, count] : homes) {
    EXPECT_GT(count, kNames / 8 * 8 / 10) << "node " << node;
    EXPECT_LT(count, kNames / 8 * 12 / 10) << "node " << node;
  }
}

TEST(NameHome, ANodeGoingDownMovesOnlyTheNamesItWasHomeOf) {
  const std::vector<uint32_t> all = {1, 2, 3, 4, 5};
  const std::vector<uint32_t> without_three = {1, 2, 4, 5};
  int moved = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = absl::StrCat("n", i);
    const uint32_t before = name_home(name, all);
    if (before == 3) {
      ++moved;
      continue;
    }
    EXPECT_EQ(name_home(name, without_three), before) << name;
  }
  EXPECT_GT(moved, 100);
}

}  // namespace
}  // namespace bossa

// TrustedKeys: a trusted_keys_dir read again when its files change, written into in place too, so
// that a key file caught half written is taken once it is whole.
#include "transport/native/trusted_keys.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/node_keys.h"

namespace bossa::transport {
namespace {

using namespace std::chrono_literals;

class TrustedKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "bossa-keys-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    config_.public_key = generate_node_key_pair().public_key;
    config_.trusted_keys_dir = dir_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> refresh(TrustedKeys& keys, std::chrono::seconds at) {
    std::vector<std::string> said;
    keys.refresh(start_ + at, [&](std::string_view line) { said.emplace_back(line); });
    return said;
  }

  std::string dir_;
  TransportConfig config_;
  const TrustedKeys::TimePoint start_ = std::chrono::steady_clock::now();
};

TEST_F(TrustedKeysTest, AKeyFileReadHalfWrittenIsTakenOnceItIsWrittenInPlace) {
  TrustedKeys keys(config_, std::make_shared<socket::Authenticator>());
  ASSERT_TRUE(keys.load().ok());
  ASSERT_EQ(keys.size(), 1u);  // the node's own
  const std::string path = dir_ + "/peer.pub";
  std::ofstream(path).close();  // created, nothing in it yet: the directory changed
  const std::vector<std::string> said = refresh(keys, 2s);
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("keys trusted before stay"), std::string::npos) << said[0];
  EXPECT_TRUE(refresh(keys, 4s).empty()) << "the same problem said again";
  EXPECT_EQ(keys.size(), 1u);
  // Its key written into the same file: the directory's time stays as it was.
  std::ofstream(path, std::ios::app)
      << "public_key = \"" << encode_z85_key(generate_node_key_pair().public_key) << "\"\n";
  const std::vector<std::string> taken = refresh(keys, 6s);
  EXPECT_EQ(keys.size(), 2u);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_NE(taken[0].find("2 keys trusted"), std::string::npos) << taken[0];
}

TEST_F(TrustedKeysTest, KeygenRenamesThePublicKeyFileIntoPlace) {
  ASSERT_TRUE(write_node_key_files(dir_ + "/node.key", generate_node_key_pair()).ok());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"node.key", "node.key.pub"}));
  EXPECT_TRUE(read_public_key_file(dir_ + "/node.key.pub").ok());
}

}  // namespace
}  // namespace bossa::transport

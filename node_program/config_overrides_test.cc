#include "node_program/config_overrides.h"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "transport/node_keys.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAlpha[] = R"(# alpha
[node]
name = "alpha"
workers = 2

[transport]
kind = "native"
listen = "tcp://127.0.0.1:47101"
seeds = ["tcp://127.0.0.1:47102"]
security = "none"  # no key file to read in these tests
)";

TEST(ConfigOverrides, WithoutOverridesTheFileIsTakenAsItIs) {
  absl::StatusOr<NodeConfig> config = parse_config_with_overrides(kAlpha, "alpha.toml", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "alpha");
  EXPECT_EQ(config->transport.listen, "tcp://127.0.0.1:47101");
}

TEST(ConfigOverrides, EachOverrideReplacesTheKeyItNames) {
  const ConfigOverrides flags{
      .name = "beta",
      .listen = "tcp://127.0.0.1:*",
      .seeds = std::vector<std::string>{"tcp://127.0.0.1:47101", "tcp://127.0.0.1:47103"}};
  absl::StatusOr<NodeConfig> config = parse_config_with_overrides(kAlpha, "alpha.toml", flags);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "beta");
  EXPECT_EQ(config->workers, 2u);  // untouched keys stay
  EXPECT_EQ(config->source, "alpha.toml");
  EXPECT_EQ(config->transport.kind, transport::TransportKind::kNative);
  EXPECT_EQ(config->transport.listen, "tcp://127.0.0.1:*");
  EXPECT_THAT(config->transport.seeds,
              ::testing::ElementsAre("tcp://127.0.0.1:47101", "tcp://127.0.0.1:47103"));
}

TEST(ConfigOverrides, TheTransportFlagSwitchesTheKind) {
  const ConfigOverrides flags{.transport = "amqp"};
  absl::StatusOr<NodeConfig> config = parse_config_with_overrides(kAlpha, "alpha.toml", flags);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.kind, transport::TransportKind::kAmqp);
}

TEST(ConfigOverrides, ABadOverrideIsReportedUnderItsFlag) {
  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kAlpha, "alpha.toml", {.listen = "nonsense"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("flag --listen: transport.listen: expected"));
  EXPECT_THAT(config.status().message(), HasSubstr("\"nonsense\""));

  config = parse_config_with_overrides(kAlpha, "alpha.toml", {.transport = "nativ"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("flag --transport: transport.kind: expected"));

  config = parse_config_with_overrides(
      kAlpha, "alpha.toml", {.seeds = std::vector<std::string>{"tcp://127.0.0.1:1", "tcp://x"}});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("flag --seeds: transport.seeds[1]"));
}

TEST(ConfigOverrides, FlagsAndFileAreValidatedTogether) {
  constexpr char kAmqpNode[] = R"([node]
name = "beta"
[transport]
kind = "amqp"
)";
  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kAmqpNode, "beta.toml", {.transport = "native"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("beta.toml (with flags --transport): transport.listen: missing"));
}

TEST(ConfigOverrides, AProblemOfTheFileKeepsItsFileAndLine) {
  constexpr char kBadWorkers[] = R"([node]
name = "alpha"
workers = "2"
[transport]
kind = "native"
listen = "tcp://127.0.0.1:47101"
)";
  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kBadWorkers, "alpha.toml", {.name = "beta"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("alpha.toml:3: node.workers"));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("flag")));
}

TEST(ConfigOverrides, TheNameFlagSuppliesANameTheFileLacks) {
  constexpr char kNameless[] = R"([transport]
kind = "native"
listen = "tcp://127.0.0.1:*"
security = "none"
)";
  EXPECT_FALSE(parse_config_with_overrides(kNameless, "n.toml", {}).ok());
  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kNameless, "n.toml", {.name = "gamma"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "gamma");
}

constexpr char kSecureNode[] = R"([node]
name = "beta"
[transport]
kind = "native"
listen = "tcp://127.0.0.1:*"
)";

TEST(ConfigOverrides, TheKeyFlagsSupplyTheKeysAFileLacks) {
  const std::string dir = ::testing::TempDir() + "/config_overrides_keys";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const transport::NodeKeyPair keys = transport::generate_node_key_pair();
  ASSERT_TRUE(transport::write_node_key_files(dir + "/beta.key", keys).ok());

  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kSecureNode, "conf/beta.toml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("transport.key_file: missing"));

  config = parse_config_with_overrides(kSecureNode, "conf/beta.toml",
                                       {.key_file = dir + "/beta.key", .trusted_keys_dir = dir});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.security, transport::Security::kCurve);
  EXPECT_EQ(config->transport.key_file, dir + "/beta.key");
  EXPECT_EQ(config->transport.public_key, keys.public_key);
  EXPECT_EQ(config->transport.secret_key, keys.secret_key);
  EXPECT_EQ(config->transport.trusted_keys_dir, dir);
}

TEST(ConfigOverrides, AKeyFlagsPathIsRelativeToTheWorkingDirectory) {
  absl::StatusOr<NodeConfig> config =
      parse_config_with_overrides(kSecureNode, "conf/beta.toml", {.key_file = "none/beta.key"});
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("flag --key_file: transport.key_file"));
  EXPECT_THAT(message, HasSubstr((std::filesystem::current_path() / "none/beta.key").string()));
  EXPECT_THAT(message, Not(HasSubstr("conf/none")));

  config = parse_config_with_overrides(kSecureNode, "conf/beta.toml",
                                       {.key_file = "none/beta.key", .trusted_keys_dir = "none"});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("flag --trusted_keys_dir"));
}

TEST(ConfigOverrides, AMissingFileIsNotFound) {
  absl::StatusOr<NodeConfig> config =
      load_config_with_overrides("/nonexistent/bossa.toml", {.name = "x"});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/bossa.toml"));
}

}  // namespace
}  // namespace bossa

// Reads a node's TOML file into a NodeConfig. toml++ parses; this file checks every key against
// the schema below and collects one Problem per bad key, so that a user sees all of them at once.
#include "cluster/node_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>
#include <boost/asio/ip/address.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/spin_wait.h"
#include "transport/node_keys.h"
#include "transport/socket/core/endpoint.h"

static_assert(TOML_EXCEPTIONS,
              "Debian's libtomlplusplus is built with exceptions: toml::parse throws");

namespace bossa {
namespace {

constexpr int64_t kMaxWorkers = 1024;
constexpr int64_t kMaxMailboxCapacity = int64_t{1} << 40;
constexpr size_t kMaxNodeNameLength = 64;
constexpr size_t kMaxExchangeLength = 127;           // leaves room for the suffixes bossa appends
constexpr int64_t kMaxAmqpHeartbeatSeconds = 65535;  // the protocol's 16-bit field
// Past this a broker is not restarting: its nodes had better know they are apart.
constexpr absl::Duration kMaxReconnectGrace = absl::Minutes(10);
// transport.max_message_size: at least a batch chunk of 64 KiB with room to spare; at most what
// the envelope decoder could ever be asked to read.
constexpr int64_t kMinMessageSize = int64_t{1} << 20;
constexpr int64_t kMaxMessageSize = int64_t{1} << 30;
constexpr int64_t kMaxConnectionCount = 1000000;

// Debian's Abseil has a string_view type of its own; toml++ and bossa's API use std::string_view.
absl::string_view to_absl(std::string_view text) {
  return {text.data(), text.size()};
}

std::string quote(absl::string_view text) {
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(text), "\"");
}

// What a user wrote, for "got ..." in a message: the TOML type, and the value if it is a scalar.
std::string describe(const toml::node& node) {
  if (const auto* text = node.as_string()) return absl::StrCat("string ", quote(text->get()));
  if (const auto* number = node.as_integer()) return absl::StrCat("integer ", number->get());
  if (const auto* real = node.as_floating_point()) {
    return absl::StrCat("floating-point ", real->get());
  }
  if (const auto* flag = node.as_boolean()) {
    return absl::StrCat("boolean ", flag->get() ? "true" : "false");
  }
  if (node.is_array()) return "an array";
  std::ostringstream type;  // table, date, time, date-time
  type << "a " << node.type();
  return type.str();
}

// The name a user would recognise for `key` of `section`: "transport.amqp.url".
std::string key_path(absl::string_view section, absl::string_view key) {
  return section.empty() ? std::string(key) : absl::StrCat(section, ".", key);
}

// The problems found in one file. line 0 means the key is absent from the file.
class Problems {
 public:
  explicit Problems(absl::string_view source) : source_(source) {}

  void add(uint32_t line, absl::string_view key, absl::string_view what) {
    problems_.push_back({line, absl::StrCat(source_, ":", line, ": ", key, ": ", what)});
  }
  void at(const toml::node& node, absl::string_view key, absl::string_view what) {
    add(node.source().begin.line, key, what);
  }
  void missing(absl::string_view key, absl::string_view why) {
    problems_.push_back({0, absl::StrCat(source_, ": ", key, ": missing (", why, ")")});
  }

  bool empty() const { return problems_.empty(); }

  // One line per problem, in line order, absent keys last.
  absl::Status status() {
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return std::make_pair(a.line == 0, a.line) < std::make_pair(b.line == 0, b.line);
    });
    return absl::InvalidArgumentError(
        absl::StrJoin(problems_, "\n",
                      [](std::string* out, const Problem& problem) { out->append(problem.text); }));
  }

 private:
  struct Problem {
    uint32_t line;
    std::string text;
  };
  std::string source_;
  std::vector<Problem> problems_;
};

// One TOML table of the schema (or its absence: then every key is absent). Typed reads return
// null for an absent key and report a value of the wrong type.
class Section {
 public:
  Section(const toml::table* table, std::string name, Problems& problems)
      : table_(table), name_(std::move(name)), problems_(problems) {}

  std::string path(absl::string_view key) const { return key_path(name_, key); }
  const toml::node* find(absl::string_view key) const {
    return table_ == nullptr ? nullptr : table_->get(std::string_view(key.data(), key.size()));
  }

  template <typename T>
  const toml::value<T>* get(absl::string_view key, absl::string_view expected) {
    const toml::node* node = find(key);
    if (node == nullptr) return nullptr;
    if (const auto* value = node->as<T>()) return value;
    fail(*node, key, absl::StrCat("expected ", expected, ", got ", describe(*node)));
    return nullptr;
  }
  const toml::value<std::string>* string(absl::string_view key) {
    return get<std::string>(key, "a string");
  }

  // A sub-table such as [transport.amqp]; an absent one reads as empty.
  Section section(absl::string_view key) {
    const toml::node* node = find(key);
    const toml::table* table = node == nullptr ? nullptr : node->as_table();
    if (node != nullptr && table == nullptr) {
      fail(*node, key, absl::StrCat("expected a table, got ", describe(*node)));
    }
    return Section(table, path(key), problems_);
  }

  // An integer from `low` to `high`.
  std::optional<int64_t> integer(absl::string_view key, int64_t low, int64_t high) {
    const auto* value = get<int64_t>(key, "an integer");
    if (value == nullptr) return std::nullopt;
    if (value->get() < low || value->get() > high) {
      fail(*value, key,
           absl::StrCat("expected an integer from ", low, " to ", high, ", got ", value->get()));
      return std::nullopt;
    }
    return value->get();
  }

  // A positive, finite duration in absl::ParseDuration syntax.
  std::optional<absl::Duration> duration(absl::string_view key) {
    const auto* text = get<std::string>(key, "a duration string such as \"250ms\"");
    if (text == nullptr) return std::nullopt;
    absl::Duration duration;
    if (!absl::ParseDuration(text->get(), &duration) || duration <= absl::ZeroDuration() ||
        duration == absl::InfiniteDuration()) {
      fail(*text, key,
           absl::StrCat("expected a positive duration such as \"250ms\", \"2s\" or \"1m\", got ",
                        quote(text->get())));
      return std::nullopt;
    }
    return duration;
  }

  void fail(const toml::node& node, absl::string_view key, absl::string_view what) {
    problems_.at(node, path(key), what);
  }
  void missing(absl::string_view key, absl::string_view why) { problems_.missing(path(key), why); }
  Problems& problems() { return problems_; }

  void reject_unknown_keys(std::initializer_list<absl::string_view> known) {
    if (table_ == nullptr) return;
    const std::string where = name_.empty() ? "at the top level" : absl::StrCat("in [", name_, "]");
    for (auto&& [key, value] : *table_) {
      if (std::find(known.begin(), known.end(), to_absl(key.str())) != known.end()) continue;
      const uint32_t line = key.source().begin.line;
      problems_.add(
          line != 0 ? line : value.source().begin.line, path(to_absl(key.str())),
          absl::StrCat("unknown key (known keys ", where, ": ", absl::StrJoin(known, ", "), ")"));
    }
  }

 private:
  const toml::table* table_;
  std::string name_;
  Problems& problems_;
};

bool is_node_name(absl::string_view name) {
  return !name.empty() && name.size() <= kMaxNodeNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
         });
}

// tcp://host:port with an explicit port 1-65535 (host a name, an IPv4 address or a bracketed
// IPv6 address), or ipc:///absolute/path; with `listening`, the port may also be * (a free port
// the system picks, which the node then tells its peers). A wildcard host is refused: peers
// connect to the address a node gives.
bool is_endpoint(std::string_view text, bool listening) {
  const absl::StatusOr<socket::Endpoint> endpoint = socket::parse_endpoint(text);
  if (!endpoint.ok()) return false;
  const std::string& address = endpoint->address;
  if (endpoint->kind == socket::Endpoint::Kind::kIpc) {
    return address.size() > 1 && address.front() == '/';
  }
  if (endpoint->kind != socket::Endpoint::Kind::kTcp) return false;
  if (endpoint->port == 0 && !(listening && text.ends_with(":*"))) return false;
  if (address.find(':') != std::string::npos) {  // IPv6, which must be written in brackets
    return text.find('[') != std::string_view::npos &&
           std::all_of(address.begin(), address.end(),
                       [](char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; });
  }
  return std::all_of(address.begin(), address.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

// A tcp endpoint whose host means every local address: *, or an unspecified address however it is
// written (0.0.0.0, [::], [::0], [::ffff:0.0.0.0]...).
bool has_wildcard_host(std::string_view text) {
  const absl::StatusOr<socket::Endpoint> endpoint = socket::parse_endpoint(text);
  if (!endpoint.ok() || endpoint->kind != socket::Endpoint::Kind::kTcp) return false;
  if (endpoint->address == "*") return true;
  boost::system::error_code error;
  const boost::asio::ip::address address = boost::asio::ip::make_address(endpoint->address, error);
  if (error) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .is_unspecified();
  }
  return address.is_unspecified();
}

constexpr absl::string_view kSeedExpected =
    "expected tcp://host:port or ipc:///absolute/path (an explicit port 1-65535), after the seed's "
    "public key and @ if it does not share this node's key";
constexpr absl::string_view kListenExpected =
    "expected tcp://host:port (a port 1-65535, or * for any free port) or ipc:///absolute/path";

bool is_exchange_prefix(absl::string_view name) {
  return !name.empty() && name.size() <= kMaxExchangeLength && !absl::StartsWith(name, "amq.") &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == ':';
         });
}

std::optional<OverflowPolicy> parse_overflow_policy(std::string_view name) {
  if (name == "block") return OverflowPolicy::kBlock;
  if (name == "drop_newest") return OverflowPolicy::kDropNewest;
  if (name == "fail") return OverflowPolicy::kFail;
  return std::nullopt;
}

void read_node(Section node, NodeConfig& config) {
  node.reject_unknown_keys({"name", "workers", "busy_wait", "mailbox_capacity", "mailbox_policy"});
  if (const auto* name = node.string("name")) {
    if (is_node_name(name->get())) {
      config.name = name->get();
    } else {
      node.fail(*name, "name",
                absl::StrCat("expected 1-", kMaxNodeNameLength,
                             " characters of A-Z a-z 0-9 _ . -, got ", quote(name->get())));
    }
  } else if (node.find("name") == nullptr) {
    node.missing("name", "required");
  }
  if (const auto* workers = node.get<int64_t>("workers", "an integer")) {
    if (workers->get() >= 0 && workers->get() <= kMaxWorkers) {
      config.workers = static_cast<size_t>(workers->get());
    } else {
      node.fail(*workers, "workers",
                absl::StrCat("expected an integer from 0 (one per hardware thread) to ",
                             kMaxWorkers, ", got ", workers->get()));
    }
  }
  if (const auto* text =
          node.get<std::string>("busy_wait", "a duration string such as \"200us\"")) {
    absl::Duration busy_wait;
    if (absl::ParseDuration(text->get(), &busy_wait) && busy_wait >= absl::ZeroDuration() &&
        busy_wait <= absl::FromChrono(kMaxBusyWait)) {
      config.busy_wait = busy_wait;
    } else {
      node.fail(*text, "busy_wait",
                absl::StrCat("expected a duration from \"0s\" (sleep at once) to \"",
                             absl::FormatDuration(absl::FromChrono(kMaxBusyWait)), "\", got ",
                             quote(text->get())));
    }
  }
  if (const auto* capacity = node.get<int64_t>("mailbox_capacity", "an integer")) {
    if (capacity->get() >= 0 && capacity->get() <= kMaxMailboxCapacity) {
      config.mailbox.capacity = static_cast<size_t>(capacity->get());
    } else {
      node.fail(*capacity, "mailbox_capacity",
                absl::StrCat("expected an integer from 0 (unbounded) to ", kMaxMailboxCapacity,
                             ", got ", capacity->get()));
    }
  }
  if (const auto* policy = node.string("mailbox_policy")) {
    if (std::optional<OverflowPolicy> parsed = parse_overflow_policy(policy->get())) {
      config.mailbox.policy = *parsed;
    } else {
      node.fail(*policy, "mailbox_policy",
                absl::StrCat("expected \"block\", \"drop_newest\" or \"fail\", got ",
                             quote(policy->get())));
    }
  }
}

void read_amqp(Section amqp, transport::AmqpConfig& config) {
  amqp.reject_unknown_keys({"url", "exchange", "publisher_confirms", "heartbeat", "connect_timeout",
                            "ca_file", "reconnect_grace", "shared_user"});
  if (const auto* url = amqp.string("url")) {
    if (absl::StartsWith(url->get(), "amqp://") || absl::StartsWith(url->get(), "amqps://")) {
      config.url = url->get();
    } else {
      amqp.fail(*url, "url",
                absl::StrCat("expected a URL starting with amqp:// or amqps://, got ",
                             quote(url->get())));
    }
  }
  if (const auto* exchange = amqp.string("exchange")) {
    if (is_exchange_prefix(exchange->get())) {
      config.exchange = exchange->get();
    } else {
      amqp.fail(*exchange, "exchange",
                absl::StrCat("expected 1-", kMaxExchangeLength,
                             " characters of A-Z a-z 0-9 _ . - : not starting with \"amq.\", got ",
                             quote(exchange->get())));
    }
  }
  if (const auto* confirms = amqp.get<bool>("publisher_confirms", "a boolean")) {
    config.publisher_confirms = confirms->get();
  }
  if (const auto* shared = amqp.get<bool>("shared_user", "a boolean")) {
    config.shared_user = shared->get();
  }
  if (std::optional<absl::Duration> heartbeat = amqp.duration("heartbeat")) {
    if (*heartbeat == absl::Seconds(absl::ToInt64Seconds(*heartbeat)) &&
        *heartbeat <= absl::Seconds(kMaxAmqpHeartbeatSeconds)) {
      config.heartbeat = *heartbeat;
    } else {
      amqp.fail(*amqp.find("heartbeat"), "heartbeat",
                absl::StrCat("expected a whole number of seconds from \"1s\" to \"",
                             kMaxAmqpHeartbeatSeconds, "s\", got \"",
                             absl::FormatDuration(*heartbeat), "\""));
    }
  }
  if (std::optional<absl::Duration> timeout = amqp.duration("connect_timeout")) {
    config.connect_timeout = *timeout;
  }
  if (const auto* ca_file = amqp.string("ca_file")) config.ca_file = ca_file->get();
  if (const auto* text =
          amqp.get<std::string>("reconnect_grace", "a duration string such as \"15s\"")) {
    absl::Duration grace;
    if (absl::ParseDuration(text->get(), &grace) && grace >= absl::ZeroDuration() &&
        grace <= kMaxReconnectGrace) {
      config.reconnect_grace = grace;
    } else {
      amqp.fail(
          *text, "reconnect_grace",
          absl::StrCat("expected a duration from \"0s\" (no grace: peers go down as the "
                       "broker is lost) to \"",
                       absl::FormatDuration(kMaxReconnectGrace), "\", got ", quote(text->get())));
    }
  }
}

// heartbeat_interval < node_down_after, reported at whichever of the two the file sets.
void check_failure_detector(Section& transport, const transport::TransportConfig& config) {
  if (config.node_down_after > config.heartbeat_interval) return;
  const std::string interval = quote(absl::FormatDuration(config.heartbeat_interval));
  const std::string down_after = quote(absl::FormatDuration(config.node_down_after));
  if (const toml::node* node = transport.find("node_down_after")) {
    const bool interval_set = transport.find("heartbeat_interval") != nullptr;
    transport.fail(
        *node, "node_down_after",
        absl::StrCat("expected a duration longer than ", transport.path("heartbeat_interval"), " (",
                     interval, interval_set ? "" : ", the default", "), got ", down_after));
  } else {
    transport.fail(
        *transport.find("heartbeat_interval"), "heartbeat_interval",
        absl::StrCat("expected a duration shorter than ", transport.path("node_down_after"), " (",
                     down_after, ", the default), got ", interval));
  }
}

// `path` as the config names it, relative to the directory of the config file `source`.
std::string config_relative(absl::string_view source, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const size_t slash = source.rfind('/');
  if (slash == absl::string_view::npos) return path;
  return absl::StrCat(source.substr(0, slash + 1), path);
}

// The strings of array `key` of `section` (an array of `items`), each through `read`, which
// takes it or returns an error saying what was expected (if empty: `item`); a problem for each
// that is not taken.
void read_strings(Section& section, absl::string_view key, absl::string_view items,
                  absl::string_view item,
                  const std::function<absl::Status(const std::string&)>& read) {
  const toml::node* node = section.find(key);
  if (node == nullptr) return;
  const toml::array* list = node->as_array();
  if (list == nullptr) {
    section.fail(*node, key,
                 absl::StrCat("expected an array of ", items, ", got ", describe(*node)));
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::node& element = *list->get(i);
    const auto* text = element.as_string();
    const absl::Status taken = text != nullptr ? read(text->get()) : absl::InvalidArgumentError("");
    if (taken.ok()) continue;
    const std::string what =
        taken.message().empty() ? absl::StrCat("expected ", item) : std::string(taken.message());
    section.fail(
        element, absl::StrCat(key, "[", i, "]"),
        absl::StrCat(what, ", got ", text != nullptr ? quote(text->get()) : describe(element)));
  }
}

// A public key (40 characters of Z85) into `keys`.
absl::Status read_public_key(const std::string& text, std::vector<std::string>& keys) {
  absl::StatusOr<std::string> key = transport::decode_z85_key(text);
  if (!key.ok()) return absl::InvalidArgumentError("");
  keys.push_back(*std::move(key));
  return absl::OkStatus();
}

constexpr absl::string_view kPublicKeyExpected = "a public key (40 characters of Z85)";

void read_security(Section& transport, absl::string_view source, bool native,
                   transport::TransportConfig& config) {
  if (const auto* security = transport.string("security")) {
    if (std::optional<transport::Security> parsed = transport::parse_security(security->get())) {
      config.security = *parsed;
    } else {
      transport.fail(
          *security, "security",
          absl::StrCat(R"(expected one of "curve", "none", got )", quote(security->get())));
    }
  }
  if (const auto* file = transport.string("key_file")) {
    config.key_file = config_relative(source, file->get());
    absl::StatusOr<transport::NodeKeyPair> keys = transport::read_node_key_pair(config.key_file);
    if (keys.ok()) {
      config.public_key = std::move(keys->public_key);
      config.secret_key = std::move(keys->secret_key);
    } else {
      transport.fail(*file, "key_file",
                     absl::StrCat("expected a key pair file written by `bossa-node keygen`: ",
                                  keys.status().message()));
    }
  } else if (native && config.security == transport::Security::kCurve &&
             transport.find("key_file") == nullptr) {
    transport.missing("key_file",
                      "required when transport.security = \"curve\", the default: this node's key "
                      "pair, written by `bossa-node keygen FILE`; or security = \"none\", which "
                      "admits anyone");
  }
  read_strings(transport, "trusted_keys", "public keys", kPublicKeyExpected,
               [&](const std::string& text) { return read_public_key(text, config.trusted_keys); });
  if (const auto* dir = transport.string("trusted_keys_dir")) {
    config.trusted_keys_dir = config_relative(source, dir->get());
    if (absl::StatusOr<std::vector<std::string>> listed =
            transport::read_trusted_keys_dir(config.trusted_keys_dir);
        !listed.ok()) {
      transport.fail(
          *dir, "trusted_keys_dir",
          absl::StrCat("expected a directory of .pub files: ", listed.status().message()));
    }
  }
}

void read_transport(Section transport, absl::string_view source,
                    transport::TransportConfig& config) {
  transport.reject_unknown_keys({"kind", "listen", "seeds", "network", "heartbeat_interval",
                                 "node_down_after", "max_message_size", "max_connections",
                                 "max_handshakes", "handshake_timeout", "security", "key_file",
                                 "trusted_keys", "trusted_keys_dir", "amqp"});
  bool kind_ok = true;
  if (const auto* kind = transport.string("kind")) {
    if (std::optional<transport::TransportKind> parsed =
            transport::parse_transport_kind(kind->get())) {
      config.kind = *parsed;
    } else {
      kind_ok = false;
      transport.fail(*kind, "kind",
                     absl::StrCat("expected one of ", transport::kTransportKindChoices, ", got ",
                                  quote(kind->get())));
    }
  } else if (transport.find("kind") != nullptr) {
    kind_ok = false;
  }

  if (const auto* listen = transport.string("listen")) {
    if (has_wildcard_host(listen->get())) {
      transport.fail(*listen, "listen",
                     absl::StrCat("expected an address peers can connect to, got the wildcard ",
                                  quote(listen->get()),
                                  ": a node tells its peers the endpoint it listens on, so name "
                                  "one of this machine's addresses (or a name that resolves to "
                                  "one)"));
    } else if (is_endpoint(listen->get(), /*listening=*/true)) {
      config.listen = listen->get();
    } else {
      transport.fail(*listen, "listen",
                     absl::StrCat(kListenExpected, ", got ", quote(listen->get())));
    }
  } else if (kind_ok && config.kind == transport::TransportKind::kNative &&
             transport.find("listen") == nullptr) {
    transport.missing("listen", "required when transport.kind = \"native\"");
  }

  if (const toml::node* seeds = transport.find("seeds")) {
    if (const toml::array* endpoints = seeds->as_array()) {
      for (size_t i = 0; i < endpoints->size(); ++i) {
        const toml::node& seed = *endpoints->get(i);
        const auto* text = seed.as_string();
        const std::optional<transport::Seed> parsed =
            text != nullptr ? transport::parse_seed(text->get()) : std::nullopt;
        if (parsed && is_endpoint(parsed->endpoint, /*listening=*/false)) {
          config.seeds.push_back(text->get());
        } else {
          transport.fail(seed, absl::StrCat("seeds[", i, "]"),
                         absl::StrCat(kSeedExpected, ", got ",
                                      text != nullptr ? quote(text->get()) : describe(seed)));
        }
      }
    } else {
      transport.fail(*seeds, "seeds",
                     absl::StrCat("expected an array of endpoint strings, got ", describe(*seeds)));
    }
  }

  if (const auto* network = transport.string("network")) {
    if (!network->get().empty()) {
      config.network = network->get();
    } else {
      transport.fail(*network, "network", "expected a non-empty network name, got \"\"");
    }
  } else if (kind_ok && config.kind == transport::TransportKind::kLocal &&
             transport.find("network") == nullptr) {
    transport.missing("network", "required when transport.kind = \"local\"");
  }

  const std::optional<absl::Duration> interval = transport.duration("heartbeat_interval");
  const std::optional<absl::Duration> down_after = transport.duration("node_down_after");
  if (interval) config.heartbeat_interval = *interval;
  if (down_after) config.node_down_after = *down_after;
  const bool interval_ok = interval || transport.find("heartbeat_interval") == nullptr;
  const bool down_after_ok = down_after || transport.find("node_down_after") == nullptr;
  if (interval_ok && down_after_ok) check_failure_detector(transport, config);

  if (auto size = transport.integer("max_message_size", kMinMessageSize, kMaxMessageSize)) {
    config.max_message_size = *size;
  }
  if (auto count = transport.integer("max_connections", 1, kMaxConnectionCount)) {
    config.max_connections = *count;
  }
  if (auto count = transport.integer("max_handshakes", 1, kMaxConnectionCount)) {
    config.max_handshakes = *count;
  }
  if (auto timeout = transport.duration("handshake_timeout")) config.handshake_timeout = *timeout;
  read_security(transport, source, kind_ok && config.kind == transport::TransportKind::kNative,
                config);

  read_amqp(transport.section("amqp"), config.amqp);
}

void read_gateway(Section gateway, absl::string_view source, NodeConfig& config) {
  gateway.reject_unknown_keys({"listen", "security", "clients", "clients_dir", "timeout",
                               "max_timeout", "max_message_size", "max_pending"});
  GatewayConfig& out = config.gateway;
  const auto* listen = gateway.string("listen");
  if (listen != nullptr) {
    if (is_endpoint(listen->get(), /*listening=*/true)) {
      out.listen = listen->get();
    } else {
      gateway.fail(*listen, "listen",
                   absl::StrCat(kListenExpected, ", got ", quote(listen->get())));
    }
  } else if (gateway.find("listen") == nullptr && gateway.find("security") != nullptr) {
    gateway.missing("listen", "the gateway's endpoint: the section has no use without it");
  }
  if (const auto* security = gateway.string("security")) {
    if (std::optional<transport::Security> parsed = transport::parse_security(security->get())) {
      out.security = *parsed;
    } else {
      gateway.fail(
          *security, "security",
          absl::StrCat(R"(expected one of "curve", "none", got )", quote(security->get())));
    }
  }
  read_strings(gateway, "clients", "public keys", kPublicKeyExpected,
               [&](const std::string& text) { return read_public_key(text, out.client_keys); });
  if (const auto* dir = gateway.string("clients_dir")) {
    absl::StatusOr<std::vector<std::string>> listed =
        transport::read_trusted_keys_dir(config_relative(source, dir->get()));
    if (listed.ok()) {
      out.client_keys.insert(out.client_keys.end(), listed->begin(), listed->end());
    } else {
      gateway.fail(*dir, "clients_dir",
                   absl::StrCat("expected a directory of .pub files: ", listed.status().message()));
    }
  }
  if (auto timeout = gateway.duration("timeout")) out.timeout = *timeout;
  if (auto timeout = gateway.duration("max_timeout")) out.max_timeout = *timeout;
  if (auto size = gateway.integer("max_message_size", kMinMessageSize, kMaxMessageSize)) {
    out.max_message_size = *size;
  }
  if (auto count = gateway.integer("max_pending", 1, int64_t{1} << 24)) out.max_pending = *count;
  if (out.listen.empty()) return;
  if (config.transport.kind != transport::TransportKind::kNative) {
    gateway.fail(*listen, "listen", "a gateway needs transport.kind = \"native\"");
  } else if (out.security == transport::Security::kCurve && config.transport.public_key.empty()) {
    gateway.fail(*listen, "listen",
                 "a CURVE gateway (the default) uses the node's key pair: set transport.key_file, "
                 "or gateway.security = \"none\", which admits anyone");
  }
}

// One [[authorization]] table: the keys of a group (keys, the .pub files of keys_dir, broker
// users) and what they may do (allow).
void read_authorization_group(Section group, absl::string_view source, AuthorizationGroup& config) {
  group.reject_unknown_keys({"keys", "keys_dir", "users", "allow"});
  read_strings(group, "keys", "public keys", kPublicKeyExpected,
               [&](const std::string& text) { return read_public_key(text, config.keys); });
  if (const auto* dir = group.string("keys_dir")) {
    absl::StatusOr<std::vector<std::string>> listed =
        transport::read_trusted_keys_dir(config_relative(source, dir->get()));
    if (listed.ok()) {
      config.keys.insert(config.keys.end(), listed->begin(), listed->end());
    } else {
      group.fail(*dir, "keys_dir",
                 absl::StrCat("expected a directory of .pub files: ", listed.status().message()));
    }
  }
  read_strings(group, "users", "broker user names", "a broker user name, not empty",
               [&](const std::string& user) {
                 if (user.empty()) return absl::InvalidArgumentError("");
                 config.users.push_back(user);
                 return absl::OkStatus();
               });
  if (group.find("keys") == nullptr && group.find("keys_dir") == nullptr &&
      group.find("users") == nullptr) {
    group.missing("keys", "a group names its members' keys, keys_dir or users");
  }
  if (group.find("allow") == nullptr) {
    group.missing("allow", "what the group's members may do: [] for nothing");
  }
  read_strings(group, "allow", "actions such as \"send\" or \"rpc:status,whereis\"", "an action",
               [&](const std::string& text) {
                 absl::StatusOr<Grant> grant = parse_grant(text);
                 if (!grant.ok()) return grant.status();
                 config.allow.push_back(*std::move(grant));
                 return absl::OkStatus();
               });
}

void read_authorization(Section& root, absl::string_view source, NodeConfig& config) {
  const toml::node* node = root.find("authorization");
  if (node == nullptr) return;
  const toml::array* groups = node->as_array();
  if (groups == nullptr || !groups->is_array_of_tables()) {
    root.fail(*node, "authorization",
              absl::StrCat("expected [[authorization]] tables, got ", describe(*node)));
    return;
  }
  for (size_t i = 0; i < groups->size(); ++i) {
    read_authorization_group(Section(groups->get(i)->as_table(),
                                     absl::StrCat("authorization[", i, "]"), root.problems()),
                             source, config.authorization.emplace_back());
  }
}

}  // namespace

absl::StatusOr<NodeConfig> parse_node_config(std::string_view toml_text,
                                             std::string_view source_name) {
  toml::table document;
  try {
    document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(absl::StrCat(
        to_absl(source_name), ":", error.source().begin.line, ": invalid TOML at column ",
        error.source().begin.column, ": ", to_absl(error.description())));
  }

  NodeConfig config;
  config.source = std::string(source_name);
  Problems problems(to_absl(source_name));
  Section root(&document, "", problems);
  root.reject_unknown_keys({"node", "transport", "gateway", "authorization"});
  read_node(root.section("node"), config);
  read_transport(root.section("transport"), to_absl(source_name), config.transport);
  read_authorization(root, to_absl(source_name), config);
  read_gateway(root.section("gateway"), to_absl(source_name), config);
  if (!problems.empty()) return problems.status();
  return config;
}

absl::StatusOr<NodeConfig> load_node_config(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  std::string text;
  char buffer[8192];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, read);
  if (std::ferror(file.get()))
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot read"));
  return parse_node_config(text, path);
}

}  // namespace bossa

#include "transport/native/swim_wire.h"

#include <capnp/message.h>

#include <bit>
#include <utility>

#include "absl/strings/str_cat.h"
#include "serialization/capnp_frame.h"
#include "transport/native/swim_wire.capnp.h"

namespace bossa::transport {
namespace {

constexpr uint8_t kLastKind = static_cast<uint8_t>(SwimKind::kRefuse);
constexpr uint8_t kLastStatus = static_cast<uint8_t>(SwimStatus::kLeft);

capnp::Text::Reader text_of(const std::string& text) {
  return capnp::Text::Reader(text.data(), text.size());
}

void fill_node(swim_wire::Node::Builder out, const SwimNode& node) {
  out.setId(node.id);
  out.setName(text_of(node.name));
  out.setEndpoint(text_of(node.endpoint));
  if (!node.key.empty()) {
    out.setKey(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(node.key.data()),
                                   node.key.size()));
  }
}

void fill_update(swim_wire::Update::Builder out, const SwimUpdate& update) {
  fill_node(out.initNode(), *update.node);
  out.setStatus(static_cast<uint8_t>(update.status));
  out.setIncarnation(update.incarnation);
  out.setEpoch(update.epoch);
  out.setBy(update.by);
  out.setReplaced(update.replaced);
  out.setByEpoch(update.by_epoch);
}

std::string text(capnp::Text::Reader in) {
  return std::string(in.begin(), in.size());
}

absl::StatusOr<SwimNodeRef> read_node(swim_wire::Node::Reader in, const char* what) {
  if (in.getId() == 0 || in.getName().size() == 0 || in.getEndpoint().size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a node needs an id, a name and an endpoint"));
  }
  if (in.getName().size() > kSwimMaxNameBytes || in.getEndpoint().size() > kSwimMaxEndpointBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": a node name over ", kSwimMaxNameBytes,
                                                   " or an endpoint over ", kSwimMaxEndpointBytes,
                                                   " octets"));
  }
  std::string name = text(in.getName());
  std::string endpoint = text(in.getEndpoint());
  if (name.find('\0') != std::string::npos || endpoint.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": a NUL in a node name or endpoint"));
  }
  const capnp::Data::Reader key = in.getKey();
  if (key.size() != 0 && key.size() != kSwimKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a key of ", key.size(), " octets, not ", kSwimKeyBytes));
  }
  return make_swim_node(in.getId(), std::move(name), std::move(endpoint),
                        std::string(reinterpret_cast<const char*>(key.begin()), key.size()));
}

absl::Status read_updates(capnp::List<swim_wire::Update>::Reader in, std::vector<SwimUpdate>& out) {
  if (in.size() > kSwimMaxUpdates) {
    return absl::InvalidArgumentError(
        absl::StrCat(in.size(), " updates, at most ", kSwimMaxUpdates));
  }
  out.reserve(in.size());
  for (swim_wire::Update::Reader update : in) {
    if (!update.hasNode()) return absl::InvalidArgumentError("an update without its node");
    if (update.getStatus() > kLastStatus) {
      return absl::InvalidArgumentError(absl::StrCat("an update of status ", update.getStatus()));
    }
    if (update.getEpoch() > kSwimMaxEpoch) {
      return absl::InvalidArgumentError(absl::StrCat("an update of epoch ", update.getEpoch()));
    }
    absl::StatusOr<SwimNodeRef> node = read_node(update.getNode(), "update");
    if (!node.ok()) return node.status();
    out.push_back(SwimUpdate{*std::move(node), static_cast<SwimStatus>(update.getStatus()),
                             update.getIncarnation(), update.getEpoch(), update.getBy(),
                             update.getReplaced(), update.getByEpoch()});
  }
  return absl::OkStatus();
}

absl::Status read_message(swim_wire::Message::Reader in, SwimMessage& out) {
  if (in.getKind() == 0 || in.getKind() > kLastKind) {
    return absl::InvalidArgumentError(absl::StrCat("unknown kind ", in.getKind()));
  }
  out.kind = static_cast<SwimKind>(in.getKind());
  if (!in.hasSender()) return absl::InvalidArgumentError("no sender");
  absl::StatusOr<SwimNodeRef> sender = read_node(in.getSender(), "sender");
  if (!sender.ok()) return sender.status();
  out.sender = *std::move(sender);
  out.incarnation = in.getSenderIncarnation();
  out.epoch = in.getSenderEpoch();
  if (out.epoch > kSwimMaxEpoch) {
    return absl::InvalidArgumentError(absl::StrCat("a sender of epoch ", out.epoch));
  }
  out.members = in.getSenderMembers();
  out.target = in.getTarget();
  out.seq = in.getSeq();
  if (out.kind == SwimKind::kPingReq) {
    if (!in.hasProbe()) return absl::InvalidArgumentError("a PingReq without its probe");
    absl::StatusOr<SwimNodeRef> probe = read_node(in.getProbe(), "probe");
    if (!probe.ok()) return probe.status();
    out.probe = *std::move(probe);
  }
  out.buckets = in.getBuckets();
  const auto digests = in.getDigests();
  const size_t expected =
      out.buckets == 0 ? kSwimCoarseBuckets : kSwimFinePerCoarse * std::popcount(out.buckets);
  if (digests.size() != 0 && digests.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(digests.size(), " digests, expected 0 or ", expected));
  }
  for (uint64_t digest : digests) out.digests.push_back(digest);
  const auto fine = in.getFine();
  if (fine.size() != 0 && fine.size() != kSwimFineWords) {
    return absl::InvalidArgumentError(
        absl::StrCat("a fine bucket set of ", fine.size(), " words, expected ", kSwimFineWords));
  }
  for (uint64_t word : fine) out.fine.push_back(word);
  if (in.getReason().size() > kSwimMaxReasonBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a reason over ", kSwimMaxReasonBytes, " octets"));
  }
  out.reason = text(in.getReason());
  return read_updates(in.getUpdates(), out.updates);
}

}  // namespace

std::string encode_swim(const SwimMessage& message) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<swim_wire::Message>();
  root.setKind(static_cast<uint8_t>(message.kind));
  fill_node(root.initSender(), *message.sender);
  root.setSenderIncarnation(message.incarnation);
  root.setSenderEpoch(message.epoch);
  root.setSenderMembers(message.members);
  root.setTarget(message.target);
  root.setSeq(message.seq);
  if (message.probe) fill_node(root.initProbe(), *message.probe);
  if (!message.digests.empty()) {
    auto digests = root.initDigests(static_cast<unsigned>(message.digests.size()));
    for (size_t i = 0; i < message.digests.size(); ++i) {
      digests.set(static_cast<unsigned>(i), message.digests[i]);
    }
  }
  root.setBuckets(message.buckets);
  if (!message.fine.empty()) {
    auto fine = root.initFine(static_cast<unsigned>(message.fine.size()));
    for (size_t i = 0; i < message.fine.size(); ++i) {
      fine.set(static_cast<unsigned>(i), message.fine[i]);
    }
  }
  if (!message.reason.empty()) root.setReason(text_of(message.reason));
  if (!message.updates.empty()) {
    auto updates = root.initUpdates(static_cast<unsigned>(message.updates.size()));
    for (size_t i = 0; i < message.updates.size(); ++i) {
      fill_update(updates[static_cast<unsigned>(i)], message.updates[i]);
    }
  }
  return capnp_frame::write(builder);
}

absl::StatusOr<SwimMessage> decode_swim(std::string_view bytes) {
  DecodeLimits limits;
  limits.max_bytes = kSwimMaxMessageBytes;
  limits.traversal_limit_words = kSwimMaxMessageBytes / 8 * 2;
  limits.nesting_limit = 8;
  SwimMessage message;
  absl::Status status =
      capnp_frame::read(bytes, limits, "swim message", [&](capnp::MessageReader& reader) {
        return read_message(reader.getRoot<swim_wire::Message>(), message);
      });
  if (!status.ok()) return status;
  return message;
}

}  // namespace bossa::transport

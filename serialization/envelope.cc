#include "serialization/envelope.h"

#include <capnp/message.h>

#include "absl/strings/str_cat.h"
#include "serialization/capnp_frame.h"
#include "serialization/direct_envelope_reader.h"
#include "serialization/envelope.capnp.h"
#include "serialization/reused_envelope.h"

namespace bossa {
namespace {

// The C++ table and the schema's table are one table.
static_assert(static_cast<uint16_t>(wire::Kind::USER) == uint16_t(EnvelopeKind::kUser));
static_assert(static_cast<uint16_t>(wire::Kind::EXIT) == uint16_t(EnvelopeKind::kExit));
static_assert(static_cast<uint16_t>(wire::Kind::DOWN) == uint16_t(EnvelopeKind::kDown));
static_assert(static_cast<uint16_t>(wire::Kind::LINK) == uint16_t(EnvelopeKind::kLink));
static_assert(static_cast<uint16_t>(wire::Kind::UNLINK) == uint16_t(EnvelopeKind::kUnlink));
static_assert(static_cast<uint16_t>(wire::Kind::MONITOR) == uint16_t(EnvelopeKind::kMonitor));
static_assert(static_cast<uint16_t>(wire::Kind::DEMONITOR) == uint16_t(EnvelopeKind::kDemonitor));
static_assert(static_cast<uint16_t>(wire::Kind::REQUEST) == uint16_t(EnvelopeKind::kRequest));
static_assert(static_cast<uint16_t>(wire::Kind::REPLY) == uint16_t(EnvelopeKind::kReply));
static_assert(static_cast<uint16_t>(wire::Kind::SYSTEM) == uint16_t(EnvelopeKind::kSystem));
static_assert(static_cast<uint16_t>(wire::Kind::LINK_EXIT) == uint16_t(EnvelopeKind::kLinkExit));
static_assert(static_cast<uint16_t>(wire::Kind::PAUSE) == uint16_t(EnvelopeKind::kPause));
static_assert(static_cast<uint16_t>(wire::Kind::RESUME) == uint16_t(EnvelopeKind::kResume));

// Fixed part of an envelope: root pointer, Envelope struct (3 data + 4 pointer words), two Pid
// structs (2 words each), and the segment table. Sizing the first segment to fit avoids a second.
constexpr size_t kFixedEnvelopeWords = 24;

void set_pid(wire::Pid::Builder out, const WirePid& pid) {
  out.setNode(pid.node);
  out.setSerial(pid.serial);
}

WirePid get_pid(wire::Pid::Reader in) {
  return WirePid{in.getNode(), in.getSerial()};
}

}  // namespace

std::string_view envelope_kind_name(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::kUser:
      return "user";
    case EnvelopeKind::kExit:
      return "exit";
    case EnvelopeKind::kDown:
      return "down";
    case EnvelopeKind::kLink:
      return "link";
    case EnvelopeKind::kUnlink:
      return "unlink";
    case EnvelopeKind::kMonitor:
      return "monitor";
    case EnvelopeKind::kDemonitor:
      return "demonitor";
    case EnvelopeKind::kRequest:
      return "request";
    case EnvelopeKind::kReply:
      return "reply";
    case EnvelopeKind::kSystem:
      return "system";
    case EnvelopeKind::kLinkExit:
      return "link_exit";
    case EnvelopeKind::kPause:
      return "pause";
    case EnvelopeKind::kResume:
      return "resume";
  }
  return "unknown";
}

namespace {

// Everything but the message itself.
void set_header(wire::Envelope::Builder root, const Envelope& envelope) {
  set_pid(root.initTo(), envelope.to);
  set_pid(root.initFrom(), envelope.from);
  root.setKind(static_cast<wire::Kind>(envelope.kind));
  root.setCorrelationId(envelope.correlation_id);
  root.setTypeId(envelope.type_id);
  if (!envelope.to_name.empty()) {
    root.setToName(capnp::Text::Reader(envelope.to_name.data(), envelope.to_name.size()));
  }
}

size_t header_words(const Envelope& envelope) {
  return kFixedEnvelopeWords + (envelope.to_name.size() + 1 + 7) / 8;
}

}  // namespace

void encode_envelope(const Envelope& envelope, absl::FunctionRef<void(std::string_view)> use) {
  capnp_frame::ScratchBuilder builder(header_words(envelope) + (envelope.payload.size() + 7) / 8);
  capnp::MallocMessageBuilder& message = builder.message();
  wire::Envelope::Builder root = message.initRoot<wire::Envelope>();
  set_header(root, envelope);
  root.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(envelope.payload.data()),
                                      envelope.payload.size()));
  use(builder.flat());
}

absl::Status encode_envelope(const Envelope& envelope,
                             absl::FunctionRef<void(wire::Value::Builder)> write_value,
                             absl::FunctionRef<void(std::string_view)> use) {
  if (reused_envelope::available(envelope)) {
    return reused_envelope::encode(envelope, write_value, use);
  }
  // Most values are a few words; a larger one grows the arena.
  constexpr size_t kValueWords = 16;
  capnp_frame::ScratchBuilder builder(header_words(envelope) + kValueWords);
  capnp::MallocMessageBuilder& message = builder.message();
  wire::Envelope::Builder root = message.initRoot<wire::Envelope>();
  set_header(root, envelope);
  try {
    write_value(root.initValue());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("value cannot be encoded: ", e.getDescription().cStr()));
  }
  use(builder.flat());
  return absl::OkStatus();
}

std::string encode_envelope(const Envelope& envelope) {
  std::string out;
  encode_envelope(envelope, [&](std::string_view bytes) { out = bytes; });
  return out;
}

absl::Status read_envelope(std::string_view bytes, const DecodeLimits& limits,
                           absl::FunctionRef<absl::Status(const EnvelopeView&)> use) {
  // What `use` returns or raises comes back as it would from Cap'n Proto's path.
  bool declined = false;
  absl::Status status = capnp_frame::guard("envelope", [&] {
    std::optional<absl::Status> read = direct_envelope_reader::read(bytes, limits, use);
    declined = !read.has_value();
    return read.value_or(absl::OkStatus());
  });
  return declined ? read_envelope_with_capnp(bytes, limits, use) : status;
}

absl::Status read_envelope_with_capnp(std::string_view bytes, const DecodeLimits& limits,
                                      absl::FunctionRef<absl::Status(const EnvelopeView&)> use) {
  return capnp_frame::read(bytes, limits, "envelope", [&](capnp::MessageReader& message) {
    wire::Envelope::Reader root = message.getRoot<wire::Envelope>();
    const auto kind = static_cast<uint16_t>(root.getKind());
    if (kind > static_cast<uint16_t>(kLastEnvelopeKind)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown kind ", kind));
    }
    // Absent pointers are not read: a message to a pid has no name, one with a value no payload.
    std::string_view name;
    if (root.hasToName()) {
      capnp::Text::Reader text = root.getToName();
      name = std::string_view(text.begin(), text.size());
    }
    std::string_view payload;
    if (root.hasPayload()) {
      capnp::Data::Reader data = root.getPayload();
      payload = std::string_view(reinterpret_cast<const char*>(data.begin()), data.size());
    }
    std::optional<wire::Value::Reader> value;
    if (root.hasValue()) {
      if (!payload.empty()) {
        return absl::InvalidArgumentError(
            "both a payload and a value: a message is one or the other");
      }
      value = root.getValue();
    }
    return use(EnvelopeView{
        .to = get_pid(root.getTo()),
        .from = get_pid(root.getFrom()),
        .kind = static_cast<EnvelopeKind>(kind),
        .correlation_id = root.getCorrelationId(),
        .type_id = root.getTypeId(),
        .to_name = name,
        .payload = payload,
        .value = value,
    });
  });
}

absl::StatusOr<Envelope> decode_envelope(std::string_view bytes, const DecodeLimits& limits) {
  Envelope envelope;
  absl::Status status = read_envelope(bytes, limits, [&](const EnvelopeView& view) {
    envelope = Envelope{view.to,
                        view.from,
                        view.kind,
                        view.correlation_id,
                        view.type_id,
                        std::string(view.to_name),
                        std::string(view.payload)};
    if (view.value) {
      capnp::MallocMessageBuilder value;
      value.setRoot(*view.value);
      envelope.payload = capnp_frame::write(value);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return envelope;
}

}  // namespace bossa

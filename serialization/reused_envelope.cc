#include "serialization/reused_envelope.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include <capnp/any.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include "absl/strings/str_cat.h"
#include "serialization/capnp_frame.h"
#include "serialization/envelope.capnp.h"

namespace bossa::reused_envelope {
namespace {

constexpr size_t kWordBytes = sizeof(capnp::word);
// The thread's space: one word for the segment table, the rest for the first segment. The size of
// capnp_frame's ScratchBuilder space, which encode_envelope's other path builds in: a value too
// large for it spills into a second segment at the same place on both paths.
constexpr size_t kSpaceWords = 1024;

// The value struct's sections, as the schema sizes them (Cap'n Proto allocates it so).
constexpr size_t kValueDataBytes = wire::Value::_capnpPrivate::dataWordSize * kWordBytes;
constexpr size_t kValuePointers = wire::Value::_capnpPrivate::pointerCount;

class ThreadBuilder {
 public:
  bool in_use() const { return in_use_; }

  absl::Status encode(const Envelope& envelope,
                      absl::FunctionRef<void(wire::Value::Builder)> write_value,
                      absl::FunctionRef<void(std::string_view)> use);

 private:
  // The structs every message overwrites, and the segment's size in words right after they were
  // allocated: a message that leaves the segment at that size allocated nothing more.
  struct Layout {
    wire::Envelope::Builder root;
    wire::Pid::Builder to;
    wire::Pid::Builder from;
    wire::Value::Builder value;
    // Where the value's sections are in the thread's space: its data words, then its pointers.
    char* value_sections;
    size_t words;
  };

  // Allocates the structs in the order encode_envelope's fresh build does: envelope, to, from,
  // value.
  void lay_out();
  // Drops the message; its destructor zeroes what it used of the space, for the next lay_out.
  void tear_down();
  void clear_value();

  bool in_use_ = false;
  // Made zeroed at the thread's first remote send, and zeroed again by each message's destructor.
  std::unique_ptr<capnp::word[]> space_;
  std::optional<capnp::MallocMessageBuilder> message_;
  std::optional<Layout> layout_;
};

thread_local ThreadBuilder thread_builder;

void ThreadBuilder::lay_out() {
  if (!space_) space_ = std::make_unique<capnp::word[]>(kSpaceWords);
  message_.emplace(kj::arrayPtr(space_.get() + 1, kSpaceWords - 1));
  wire::Envelope::Builder root = message_->initRoot<wire::Envelope>();
  wire::Pid::Builder to = root.initTo();
  wire::Pid::Builder from = root.initFrom();
  wire::Value::Builder value = root.initValue();
  // A struct's pointer section follows its data section (Cap'n Proto's encoding).
  char* sections = reinterpret_cast<char*>(
      capnp::AnyStruct::Builder{wire::Value::Builder(value)}.getDataSection().begin());
  layout_.emplace(
      Layout{root, to, from, value, sections, message_->getSegmentsForOutput()[0].size()});
}

void ThreadBuilder::tear_down() {
  layout_.reset();
  message_.reset();
}

void ThreadBuilder::clear_value() {
  std::memset(layout_->value_sections, 0, kValueDataBytes);
  // Only a pointer to nothing (an empty list, say) survives a message without the segment
  // growing (which lays the builder out anew); most messages find every pointer null.
  for (size_t i = 0; i < kValuePointers; ++i) {
    uint64_t pointer;
    std::memcpy(&pointer, layout_->value_sections + kValueDataBytes + i * kWordBytes, kWordBytes);
    if (pointer != 0) {
      for (capnp::AnyPointer::Builder field :
           capnp::AnyStruct::Builder{wire::Value::Builder(layout_->value)}.getPointerSection()) {
        field.clear();
      }
      return;
    }
  }
}

absl::Status ThreadBuilder::encode(const Envelope& envelope,
                                   absl::FunctionRef<void(wire::Value::Builder)> write_value,
                                   absl::FunctionRef<void(std::string_view)> use) {
  in_use_ = true;
  // Unless the message left the layout as it found it, the next one lays it out anew: also when
  // `write_value` or `use` throws.
  bool layout_clean = false;
  struct Release {
    ThreadBuilder& builder;
    const bool& layout_clean;
    ~Release() {
      if (!layout_clean) builder.tear_down();
      builder.in_use_ = false;
    }
  } release{*this, layout_clean};

  if (!layout_) lay_out();
  layout_->to.setNode(envelope.to.node);
  layout_->to.setSerial(envelope.to.serial);
  layout_->from.setNode(envelope.from.node);
  layout_->from.setSerial(envelope.from.serial);
  layout_->root.setKind(static_cast<wire::Kind>(envelope.kind));
  layout_->root.setCorrelationId(envelope.correlation_id);
  layout_->root.setTypeId(envelope.type_id);
  clear_value();
  try {
    write_value(layout_->value);
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("value cannot be encoded: ", e.getDescription().cStr()));
  }

  kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments = message_->getSegmentsForOutput();
  layout_clean = segments.size() == 1 && segments[0].size() == layout_->words;
  std::string spill;  // a message past the thread's space
  use(capnp_frame::flat_in_place(*message_, space_.get(), spill));
  return absl::OkStatus();
}

}  // namespace

bool available(const Envelope& envelope) {
  return envelope.to_name.empty() && !thread_builder.in_use();
}

absl::Status encode(const Envelope& envelope,
                    absl::FunctionRef<void(wire::Value::Builder)> write_value,
                    absl::FunctionRef<void(std::string_view)> use) {
  return thread_builder.encode(envelope, write_value, use);
}

}  // namespace bossa::reused_envelope

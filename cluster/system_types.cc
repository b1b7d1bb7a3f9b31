#include "cluster/system_types.h"

#include <capnp/message.h>

#include "absl/strings/str_cat.h"
#include "cluster/system.capnp.h"
#include "serialization/capnp_frame.h"

namespace bossa {
namespace {

wire::ExitReason::Kind to_wire(ExitReason::Kind kind) {
  switch (kind) {
    case ExitReason::Kind::kNormal:
      return wire::ExitReason::Kind::NORMAL;
    case ExitReason::Kind::kShutdown:
      return wire::ExitReason::Kind::SHUTDOWN;
    case ExitReason::Kind::kKill:
      return wire::ExitReason::Kind::KILL;
    case ExitReason::Kind::kKilled:
      return wire::ExitReason::Kind::KILLED;
    case ExitReason::Kind::kNoProc:
      return wire::ExitReason::Kind::NOPROC;
    case ExitReason::Kind::kNoConnection:
      return wire::ExitReason::Kind::NOCONNECTION;
    case ExitReason::Kind::kError:
      break;
  }
  return wire::ExitReason::Kind::ERROR;
}

absl::StatusOr<ExitReason> from_wire(wire::ExitReason::Reader in) {
  switch (in.getKind()) {
    case wire::ExitReason::Kind::NORMAL:
      return ExitReason::normal();
    case wire::ExitReason::Kind::SHUTDOWN:
      return ExitReason::shutdown(std::string(in.getDetail().cStr()));
    case wire::ExitReason::Kind::KILL:
      return ExitReason::kill();
    case wire::ExitReason::Kind::KILLED:
      return ExitReason::killed();
    case wire::ExitReason::Kind::NOPROC:
      return ExitReason::noproc();
    case wire::ExitReason::Kind::NOCONNECTION:
      return ExitReason::noconnection();
    case wire::ExitReason::Kind::ERROR:
      return ExitReason::error(std::string(in.getDetail().cStr()));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("exit reason of unknown kind ", static_cast<int>(in.getKind())));
}

// Writes one Schema struct filled by `fill` in the flat format.
template <class Schema, class Fill>
std::string write_struct(Fill fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<Schema>());
  return capnp_frame::write(message);
}

// Reads one Schema struct from untrusted bytes through `read`, which returns the value.
template <class Schema, class T, class Read>
absl::StatusOr<T> read_struct(std::string_view bytes, const DecodeLimits& limits,
                              absl::string_view what, Read read) {
  absl::StatusOr<T> out = absl::InternalError("unread");
  absl::Status status = capnp_frame::read(bytes, limits, what, [&](capnp::MessageReader& reader) {
    out = read(reader.getRoot<Schema>());
    return out.status();
  });
  if (!status.ok()) return status;
  return out;
}

// RpcCall and SpawnRequest share one wire struct, Call.
template <class T>
absl::Status add_call_type(WireTypes& types, std::string name, absl::string_view what,
                           std::string T::*target) {
  return types.add<T>(
      std::move(name),
      [target](const T& call) -> absl::StatusOr<std::string> {
        return write_struct<wire::Call>([&](wire::Call::Builder out) {
          out.setTarget(call.*target);
          out.setArgsType(call.args_type);
          out.setArgs(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(call.args.data()),
                                          call.args.size()));
        });
      },
      [target, what](std::string_view bytes) {
        return read_struct<wire::Call, T>(
            bytes, DecodeLimits{}, what, [&](wire::Call::Reader in) -> absl::StatusOr<T> {
              T call;
              call.*target = in.getTarget().cStr();
              call.args_type = in.getArgsType();
              auto args = in.getArgs();
              call.args.assign(reinterpret_cast<const char*>(args.begin()), args.size());
              return call;
            });
      });
}

}  // namespace

std::string encode_exit_reason(const ExitReason& reason) {
  return write_struct<wire::ExitReason>([&](wire::ExitReason::Builder out) {
    out.setKind(to_wire(reason.kind()));
    out.setDetail(reason.detail());
  });
}

absl::StatusOr<ExitReason> decode_exit_reason(std::string_view bytes, const DecodeLimits& limits) {
  return read_struct<wire::ExitReason, ExitReason>(bytes, limits, "exit reason", from_wire);
}

absl::Status add_system_types(WireTypes& types) {
  absl::Status status = types.add<ErrorReply>(
      "bossa.error",
      [](const ErrorReply& error) -> absl::StatusOr<std::string> {
        return write_struct<wire::Error>([&](wire::Error::Builder out) {
          out.setCode(static_cast<uint32_t>(error.status.code()));
          out.setMessage(std::string(error.status.message()));
        });
      },
      [](std::string_view bytes) {
        return read_struct<wire::Error, ErrorReply>(
            bytes, DecodeLimits{}, "error reply",
            [](wire::Error::Reader in) -> absl::StatusOr<ErrorReply> {
              const uint32_t code = in.getCode();
              if (code == 0 || code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
                return absl::InvalidArgumentError(absl::StrCat("error reply with code ", code));
              }
              return ErrorReply{
                  absl::Status(static_cast<absl::StatusCode>(code), in.getMessage().cStr())};
            });
      });
  if (status.ok()) {
    status = types.add<Pid>(
        "bossa.pid",
        [](const Pid& pid) -> absl::StatusOr<std::string> {
          return write_struct<wire::Pid>([&](wire::Pid::Builder out) {
            out.setNode(pid.node);
            out.setSerial(pid.serial);
          });
        },
        [](std::string_view bytes) {
          return read_struct<wire::Pid, Pid>(bytes, DecodeLimits{}, "pid",
                                             [](wire::Pid::Reader in) -> absl::StatusOr<Pid> {
                                               return Pid{in.getNode(), in.getSerial()};
                                             });
        });
  }
  if (status.ok()) {
    status = add_call_type(types, "bossa.rpc_call", "rpc call", &RpcCall::function);
  }
  if (status.ok()) {
    status = add_call_type(types, "bossa.spawn_request", "spawn request", &SpawnRequest::factory);
  }
  return status;
}

}  // namespace bossa

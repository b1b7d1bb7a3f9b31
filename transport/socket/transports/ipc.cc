// ipc:// listeners and dialers over Unix domain stream sockets. Binding replaces a stale socket
// file; closing the listener removes it. ipc://* binds a unique path in a new temporary directory
// (last_endpoint names it), removed again on close.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <memory>
#include <string>

#include <boost/asio/local/stream_protocol.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/transports/stream_transport.h"

namespace bossa::socket {

using boost::asio::local::stream_protocol;

template <>
struct StreamTraits<stream_protocol> {
  struct Resolver {};  // paths need no resolving
  static constexpr bool kConnectDelays = false;
  static Resolver make_resolver(boost::asio::io_context&) { return {}; }
  static void configure(stream_protocol::socket&) {}
  static std::string describe(stream_protocol::socket&, const std::string& listener) {
    return listener;
  }
  static void cancel(Resolver&) {}
  template <typename Handler>
  static void connect(Resolver&, stream_protocol::socket& s, const Endpoint& ep, Handler handler) {
    s.async_connect(stream_protocol::endpoint(ep.address),
                    [handler](boost::system::error_code ec) mutable { handler(ec); });
  }
};

namespace {

// ipc://* binds a socket named "socket" in a fresh private directory (mkdtemp, mode 0700) under
// $TMPDIR, $TEMPDIR or $TMP (the first that names a directory; /tmp otherwise), as libzmq does.
absl::StatusOr<std::string> make_wildcard_directory(const Endpoint& ep) {
  std::string base = "/tmp/";
  for (const char* var : {"TMPDIR", "TEMPDIR", "TMP"}) {
    const char* dir = std::getenv(var);
    struct stat st {};
    if (dir != nullptr && *dir != '\0' && ::stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
      base = dir;
      if (base.back() != '/') base.push_back('/');
      break;
    }
  }
  std::string pattern = base + "tmpXXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("endpoint '", ep.text, "': mkdtemp in ", base, ": ", std::strerror(errno)));
  }
  return pattern;
}

}  // namespace

absl::StatusOr<std::shared_ptr<Listener>> listen_ipc(const Endpoint& ep, TransportArgs args) {
  std::string directory;  // ipc://* only: removed with the socket file
  std::string path = ep.address;
  if (path == "*") {
    absl::StatusOr<std::string> made = make_wildcard_directory(ep);
    if (!made.ok()) return made.status();
    directory = *std::move(made);
    path = directory + "/socket";
  }
  boost::system::error_code ec;
  auto failed = [&](std::string_view step) {
    bind_failed(ep, args, ec.value());
    if (!directory.empty()) ::rmdir(directory.c_str());
    return absl::UnavailableError(
        absl::StrCat("endpoint '", ep.text, "': ", std::string(step), ": ", ec.message()));
  };
  if (path.size() > 107) {
    bind_failed(ep, args, ENAMETOOLONG);
    if (!directory.empty()) ::rmdir(directory.c_str());
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep.text, "': ipc path ", path, " is longer than 107 octets"));
  }
  ::unlink(path.c_str());
  stream_protocol::acceptor acceptor(args.io);
  if (acceptor.open(stream_protocol(), ec)) return failed("open");
  if (acceptor.bind(stream_protocol::endpoint(path), ec)) return failed("bind");
  if (acceptor.listen(static_cast<int>(args.options.backlog), ec)) return failed("listen");
  // Remove the socket file on close only if it is still ours: a new listener may have replaced it.
  struct stat st {};
  const ino_t inode = ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  auto listener = std::make_shared<StreamListener<stream_protocol>>(
      std::move(args), std::move(acceptor), absl::StrCat("ipc://", path), [path, inode, directory] {
        struct stat now {};
        if (::stat(path.c_str(), &now) == 0 && now.st_ino == inode) ::unlink(path.c_str());
        if (!directory.empty()) ::rmdir(directory.c_str());
      });
  listener->start();
  return listener;
}

std::shared_ptr<Dialer> dial_ipc(const Endpoint& ep, TransportArgs args, LinkedPipe persistent) {
  auto dialer =
      std::make_shared<StreamDialer<stream_protocol>>(std::move(args), ep, std::move(persistent));
  dialer->start();
  return dialer;
}

}  // namespace bossa::socket

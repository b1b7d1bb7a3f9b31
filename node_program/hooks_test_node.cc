// hooks_test_node: the node program of node_program_test's hooks test, run_node with every hook.
//
//   on_started   registers an actor that answers a request with its string (but "config?" with
//                the file its node's config came from) as global name "hooked@<node name>";
//                fails (so the program exits 1) if the node is "failing"
//   on_stopping  waits up to 5 s for global name "observer", sends it "<node name> stopping"
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "node_program/run_node.h"

namespace {

absl::Status start(bossa::Node& node) {
  if (node.name() == "failing") return absl::FailedPreconditionError("this node fails to start");
  const bossa::Pid echo = node.runtime().spawn([&node](bossa::EventedActor&) -> bossa::Behavior {
    return {[&node](const std::string& text) {
      return text == "config?" ? node.config().source : text;
    }};
  });
  return node.register_global(absl::StrCat("hooked@", node.name()), echo);
}

void stop(bossa::Node& node) {
  if (node.await_global("observer", absl::Seconds(5)).ok()) {
    (void)node.send_global("observer", absl::StrCat(node.name(), " stopping"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  return bossa::run_node(argc, argv, {.on_started = start, .on_stopping = stop});
}

#include "tests/support/test_services.h"

#include "runtime/behaviours/server.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bossa::cluster_test {
namespace {

Pid spawn_echo(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](const std::string& text) {
      ResponsePromise request = self.make_response_promise();
      if (request.pending()) {
        request.deliver(text);
      } else {
        self.send(self.sender(), text);
      }
    }};
  });
}

Pid spawn_silent(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](const std::string&) { (void)self.make_response_promise(); }};
  });
}

// The exit signals the name holders of this process took, one line each: "<name>: <reason>".
struct HolderExits {
  std::mutex mutex;
  std::string lines;
};

HolderExits& holder_exits() {
  static HolderExits exits;
  return exits;
}

// An actor to hold global name `name`: it traps exits, notes the first exit signal it takes
// (holder_exits) and stops with that signal's reason.
Pid spawn_name_holder(Node& node, const std::string& name) {
  return node.runtime().spawn([name](EventedActor& self) -> Behavior {
    self.trap_exit(true);
    return {[&self, name](const ExitMsg& exit) {
      {
        HolderExits& exits = holder_exits();
        std::lock_guard<std::mutex> lock(exits.mutex);
        exits.lines += name + ": " + exit.reason.to_string() + "\n";
      }
      self.exit(exit.reason);
    }};
  });
}

Pid spawn_crasher(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](const std::string& text) {
      if (text == "crash") self.exit(ExitReason::error("crash"));
    }};
  });
}

// Answers a number n with the numbers 0 .. n-1 and then crashes (reason error "burst").
Pid spawn_burst_then_crash(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](int64_t count) {
      for (int64_t i = 0; i < count; ++i) self.send(self.sender(), i);
      self.exit(ExitReason::error("burst"));
    }};
  });
}

Pid spawn_sequence(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    auto next = std::make_shared<int64_t>(0);
    auto in_order = std::make_shared<bool>(true);
    return {[&self, next, in_order](int64_t value) {
      if (value < 0) {
        self.make_response_promise().deliver(*in_order ? *next : int64_t{-1});
        return;
      }
      if (value != *next) *in_order = false;
      ++*next;
    }};
  });
}

Pid spawn_collector(Node& node, const int64_t&) {
  return node.runtime().spawn([](EventedActor& self) -> Behavior {
    auto count = std::make_shared<int64_t>(0);
    auto last = std::make_shared<int64_t>(-1);
    auto increasing = std::make_shared<bool>(true);
    return {[&self, count, last, increasing](int64_t value) {
      if (value < 0) {
        self.make_response_promise().deliver(IntPair{*count, *increasing ? 1 : 0});
        return;
      }
      if (value <= *last) *increasing = false;
      *last = value;
      ++*count;
    }};
  });
}

// The slow sink's state: one sink per process (the native backend's nodes are processes).
struct SinkState {
  std::atomic<bool> slow{true};
  std::atomic<int64_t> received{0};
  std::atomic<bool> in_order{true};
};

SinkState& sink_state() {
  static SinkState state;
  return state;
}

// A threaded actor with a mailbox of `capacity` under `policy` that takes int64 0, 1, 2, ...
// and, while slow, handles one a millisecond.
Pid spawn_sink(Node& node, int64_t capacity, OverflowPolicy policy) {
  return node.runtime().spawn_thread(
      [](ThreadedActor& self) {
        SinkState& state = sink_state();
        for (;;) {
          absl::StatusOr<int64_t> next = self.receive_for<int64_t>(absl::InfiniteDuration());
          if (!next.ok()) return;
          if (*next != state.received.load()) state.in_order = false;
          state.received.fetch_add(1);
          if (state.slow) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      },
      SpawnOptions{.mailbox =
                       MailboxLimit{.capacity = static_cast<size_t>(capacity), .policy = policy}});
}

Pid spawn_slow_sink(Node& node, const int64_t& capacity) {
  return spawn_sink(node, capacity, OverflowPolicy::kBlock);
}

Pid spawn_failing_sink(Node& node, const int64_t& capacity) {
  return spawn_sink(node, capacity, OverflowPolicy::kFail);
}

Pid spawn_counter_server(Node& node, const int64_t&) {
  absl::StatusOr<Pid> server = spawn_server(node.runtime(), [](Server&) -> ServerSpec {
    auto count = std::make_shared<int64_t>(0);
    return {.calls = {[count](const std::string&) { return *count; }},
            .casts = {[count](int64_t n) { *count += n; }}};
  });
  return server.value_or(Pid{});
}

// What "act" does: `command` is "<verb> <node or global name> [<argument>]" (see the header).
std::string act(Node& node, const std::string& command) {
  const std::vector<std::string> words = absl::StrSplit(command, ' ');
  if (words.size() < 2) return "usage: <verb> <node or global name> [<argument>]";
  const std::string& verb = words[0];
  const std::string& target = words[1];
  const std::string argument = words.size() > 2 ? words[2] : "";
  auto answer = [](const absl::Status& status) {
    return status.ok() ? std::string("ok") : std::string(status.message());
  };
  if (verb == "rpc") {
    return answer(node.rpc_blocking_call<int64_t>(target, argument, int64_t{0}).status());
  }
  if (verb == "spawn") return answer(node.spawn_remote(target, argument, int64_t{0}).status());
  const std::optional<Pid> holder = node.whereis_global(target);
  if (!holder) return absl::StrCat("no global name ", target);
  if (verb == "send") return answer(node.runtime().send(*holder, argument).status());
  if (verb == "kill") {
    node.runtime().exit(*holder, ExitReason::kill());
    return "ok";
  }
  if (verb == "link") {
    ScopedActor me(node.runtime());
    me->trap_exit(true);
    me->link(*holder);
    absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(absl::Milliseconds(500));
    return exit.ok() ? absl::StrCat("exit: ", exit->reason.to_string()) : "linked";
  }
  if (verb == "request") {
    ScopedActor me(node.runtime());
    absl::StatusOr<std::string> reply =
        me->request<std::string>(*holder, absl::Seconds(10), argument);
    return reply.ok() ? *reply : std::string(reply.status().message());
  }
  return absl::StrCat("unknown verb ", verb);
}

}  // namespace

absl::Status add_test_services(Node& node) {
  absl::Status status = node.register_type<IntPair>("test.pair");
  if (status.ok()) status = node.register_type<Rich>();
  auto remembered = std::make_shared<std::pair<std::mutex, std::string>>();
  auto add_rpc = [&](auto name, auto function) {
    if (status.ok()) status = node.register_rpc(name, std::function(function));
  };
  add_rpc("add", [](const IntPair& pair) { return std::get<0>(pair) + std::get<1>(pair); });
  add_rpc("node_name", [&node](const int64_t&) { return node.name(); });
  add_rpc("rich_echo", [&node](const Rich& rich) {
    Rich back = rich;
    back.from = Node::service_pid(node.id());
    return back;
  });
  add_rpc("nodes", [&node](const int64_t&) { return static_cast<int64_t>(node.nodes().size()); });
  add_rpc("remember", [remembered](const std::string& text) {
    std::lock_guard<std::mutex> lock(remembered->first);
    remembered->second = text;
    return int64_t{0};
  });
  add_rpc("recall", [remembered](const int64_t&) {
    std::lock_guard<std::mutex> lock(remembered->first);
    return remembered->second;
  });
  add_rpc("claim", [&node](const std::string& name) {
    const Pid holder = spawn_name_holder(node, name);
    absl::Status claimed = node.register_global(name, holder);
    if (!claimed.ok()) node.runtime().exit(holder, ExitReason::kill());
    return claimed.ok() ? std::string("ok") : std::string(claimed.message());
  });
  add_rpc("holder_exits", [](const int64_t&) {
    HolderExits& exits = holder_exits();
    std::lock_guard<std::mutex> lock(exits.mutex);
    return exits.lines;
  });
  add_rpc("sleep", [](const int64_t& ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  });
  add_rpc("sink_stats", [](const int64_t&) {
    return IntPair{sink_state().received.load(), sink_state().in_order.load() ? 1 : 0};
  });
  add_rpc("dead_letters", [&node](const int64_t&) {
    return static_cast<int64_t>(node.runtime().dead_letter_count());
  });
  add_rpc("sink_slow", [](const int64_t& slow) {
    sink_state().slow = slow != 0;
    return slow;
  });
  add_rpc("whereis", [&node](const std::string& name) {
    std::optional<Pid> holder = node.whereis_global(name);
    return holder.has_value() ? static_cast<int64_t>(holder->node) : int64_t{0};
  });
  add_rpc("act", [&node](const std::string& command) { return act(node, command); });
  auto add_factory = [&](auto name, Pid (*factory)(Node&, const int64_t&)) {
    if (status.ok()) status = node.register_factory<int64_t>(name, factory);
  };
  add_factory("echo", spawn_echo);
  add_factory("silent", spawn_silent);
  add_factory("crasher", spawn_crasher);
  add_factory("burst_then_crash", spawn_burst_then_crash);
  add_factory("sequence", spawn_sequence);
  add_factory("collector", spawn_collector);
  add_factory("counter_server", spawn_counter_server);
  add_factory("slow_sink", spawn_slow_sink);
  add_factory("failing_sink", spawn_failing_sink);
  return status;
}

absl::Status start_test_node(Node& node) {
  absl::Status status = add_test_services(node);
  if (status.ok()) status = node.start();
  if (!status.ok()) return status;
  const Pid echo = spawn_echo(node, 0);
  return node.register_global("echo@" + node.name(), echo);
}

}  // namespace bossa::cluster_test

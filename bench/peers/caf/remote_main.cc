// bench_caf_remote [filter]: remote_thr and remote_lat (bench/common/remote_bench_main.h) over
// CAF's remote actors, printed with impl "caf". See caf_remote.h.
#include "bench/common/remote_bench_main.h"
#include "bench/peers/caf/caf_remote.h"

namespace {

namespace peer = bossa::bench::caf_peer;

constexpr bossa::bench::RemoteCase kCases[] = {
    {"remote_thr", peer::run_remote_thr},
    {"remote_lat", peer::run_remote_lat},
};

constexpr bossa::bench::RemoteRole kRoles[] = {
    {"thr-sender", 2, peer::send_sequence},
    {"lat-echo", 1, peer::echo},
};

}  // namespace

int main(int argc, char** argv) {
  return bossa::bench::remote_bench_main(argc, argv, kCases, kRoles);
}

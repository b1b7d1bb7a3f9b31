// bench_caf1_remote [filter]: remote_thr and remote_lat (bench/common/remote_bench_main.h) over
// CAF 1.1's remote actors, printed with impl "caf1". See caf1_remote.h.
#include "bench/common/remote_bench_main.h"
#include "bench/peers/caf1/caf1_remote.h"

namespace {

namespace peer = bossa::bench::caf1_peer;

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
  peer::init_remote_meta_objects();
  return bossa::bench::remote_bench_main(argc, argv, kCases, kRoles);
}

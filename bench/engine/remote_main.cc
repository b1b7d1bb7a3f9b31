// bench_engine_remote [filter]: remote_thr and remote_lat (bench/common/remote_bench_main.h) over
// bossa's socket engine, printed with impl "engine". See engine_remote.h.
#include "bench/common/remote_bench_main.h"
#include "bench/engine/engine_remote.h"

namespace {

namespace engine = bossa::bench::engine_remote;

constexpr bossa::bench::RemoteCase kCases[] = {
    {"remote_thr", engine::run_thr},
    {"remote_lat", engine::run_lat},
};

constexpr bossa::bench::RemoteRole kRoles[] = {
    {"thr-sender", 2, engine::send_sequence},
    {"lat-echo", 2, engine::echo},
};

}  // namespace

int main(int argc, char** argv) {
  return bossa::bench::remote_bench_main(argc, argv, kCases, kRoles);
}

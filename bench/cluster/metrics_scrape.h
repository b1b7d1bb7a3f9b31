// Scraping the metrics of many bossa-node processes at once, for the cluster scale bench: an HTTP
// GET /metrics to each node's metrics port on 127.0.0.1 (node_program/metrics_server.h), all in
// flight together on the calling thread, each bounded in time; and one sample read out of the
// text (Prometheus' exposition format, node_program/node_metrics.h).
//
//   std::vector<absl::StatusOr<std::string>> pages = scrape_metrics({9464, 9465},
//   absl::Seconds(5)); std::optional<double> peers = metric_value(*pages[0],
//   "bossa_connected_nodes");
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace bossa::bench {

// The page each port's server answers, in the order of `ports`: Unavailable naming the port and
// the step that failed (connect, request, response, a status other than 200) or that outlasted
// `timeout`. A page over 1 MiB fails too.
std::vector<absl::StatusOr<std::string>> scrape_metrics(const std::vector<uint16_t>& ports,
                                                        absl::Duration timeout);

// The value of the first sample of metric `name` in `page` (`name{labels} value` or
// `name value`); nullopt if there is none or it is not a number.
std::optional<double> metric_value(absl::string_view page, absl::string_view name);

}  // namespace bossa::bench

// Round trip of `status` requests through one forwarding hop (client → node A → node C
// and back), one at a time as control_node sends them, beside a plain ZeroMQ
// DEALER↔ROUTER echo on tcp loopback with the same request size (the local_lat /
// remote_lat equivalent), measured in the same run. Prints p50/p90/p99/max (µs) and
// requests/s for both, their ratios, and one JSON line. Not Google Benchmark: it
// reports percentiles. Scenario: tests/bench/mesh_latency.sh.
//
// Usage: mesh_latency_bench [--connect tcp://127.0.0.1:7700] [--to room-c]
//                           [--count 10000] [--warmup 200] [--baseline-only|--no-baseline]
//                           [--key OPERATOR.key --server-key NODE_PUBLIC_KEY]   (a CURVE mesh)
// Exit status: 0 every request answered, 1 some failed (counted), 2 usage.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "common/error.hpp"
#include "mesh/mesh_client.hpp"
#include "crowdmesh/v1/envelope.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kReplyTimeout{1000};
constexpr std::chrono::milliseconds kServerPollInterval{100};
/// A series gives up after this many timeouts in a row (the peer is gone); the rest count as skipped.
constexpr std::uint64_t kMaxConsecutiveTimeouts = 10;

struct Options {
  std::string connect = "tcp://127.0.0.1:7700";
  std::string to = "room-c";
  std::uint64_t count = 10000;
  std::uint64_t warmup = 200;
  bool mesh = true;
  bool baseline = true;
  std::string key_file;    ///< CURVE: this client's key pair (control_node keygen)
  std::string server_key;  ///< CURVE: the public key of the node at --connect
};

/// Round-trip samples and failure counts of one measured series.
struct Series {
  std::vector<std::int64_t> rtt_ns;  ///< answered requests only
  std::uint64_t timeouts = 0;        ///< no reply within kReplyTimeout
  std::uint64_t error_replies = 0;   ///< answered with an Error reply
  std::uint64_t send_errors = 0;     ///< could not send / socket error
  std::uint64_t skipped = 0;         ///< not sent: gave up after kMaxConsecutiveTimeouts
  double wall_seconds = 0;           ///< the whole measured loop, failures included
  std::size_t request_bytes = 0;
  std::size_t reply_bytes = 0;  ///< of the first answered reply (status size varies)
  std::string first_error;

  std::uint64_t errors() const { return timeouts + error_replies + send_errors + skipped; }
  void note_error(const std::string& sentence) {
    if (first_error.empty()) first_error = sentence;
  }
};

struct Figures {
  bool valid = false;
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0, req_per_s = 0;
};

/// Nearest-rank percentile of sorted samples, in µs.
double percentile_us(const std::vector<std::int64_t>& sorted, double p) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n);
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

Figures figures_of(Series& s) {
  Figures f;
  if (s.rtt_ns.empty()) return f;
  std::sort(s.rtt_ns.begin(), s.rtt_ns.end());
  f.valid = true;
  f.p50_us = percentile_us(s.rtt_ns, 50);
  f.p90_us = percentile_us(s.rtt_ns, 90);
  f.p99_us = percentile_us(s.rtt_ns, 99);
  f.max_us = static_cast<double>(s.rtt_ns.back()) / 1000.0;
  f.req_per_s = s.wall_seconds > 0 ? static_cast<double>(s.rtt_ns.size()) / s.wall_seconds : 0;
  return f;
}

std::int64_t elapsed_ns(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

/// Runs `round_trip(&s)` `count` times, timing the whole loop; gives up after
/// kMaxConsecutiveTimeouts timeouts in a row.
template <typename RoundTrip>
void measure(Series& s, std::uint64_t count, RoundTrip&& round_trip) {
  s.rtt_ns.reserve(count);
  std::uint64_t in_a_row = 0;
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto before = s.timeouts;
    round_trip(&s);
    in_a_row = s.timeouts > before ? in_a_row + 1 : 0;
    if (in_a_row >= kMaxConsecutiveTimeouts) {
      s.skipped = count - i - 1;
      break;
    }
  }
  s.wall_seconds = static_cast<double>(elapsed_ns(start, Clock::now())) / 1e9;
}

// --- mesh: GetStatus through the connected node ---------------------------------------

crowdmesh::v1::Envelope status_request(const std::string& source, const std::string& to, std::uint64_t correlation_id) {
  crowdmesh::v1::Envelope env;
  env.set_protocol_version(1);
  env.set_source(source);
  env.set_target(to + "/node");
  env.set_correlation_id(correlation_id);
  env.mutable_command()->mutable_get_status();
  return env;
}

/// One request; appends its round trip to `s` when answered with Ok.
void mesh_round_trip(crowdmesh::mesh::MeshClient& client, const crowdmesh::v1::Envelope& env, Series* s) {
  const auto t0 = Clock::now();
  auto reply = client.request(env, kReplyTimeout);
  const auto t1 = Clock::now();
  if (!s) return;
  if (!reply) {
    if (crowdmesh::error_code(reply.error()) == crowdmesh::errc::timeout)
      ++s->timeouts;
    else
      ++s->send_errors;
    s->note_error(crowdmesh::error_sentence(reply.error()));
    return;
  }
  if (!reply->has_reply() || reply->reply().has_error()) {
    ++s->error_replies;
    s->note_error(reply->has_reply() ? reply->reply().error().message() : "reply has no Reply payload");
    return;
  }
  if (s->reply_bytes == 0) s->reply_bytes = reply->ByteSizeLong();
  s->rtt_ns.push_back(elapsed_ns(t0, t1));
}

/// Serialized size of a status request as MeshClient sends it (send_time_ns stamped).
std::size_t status_request_bytes(const std::string& source, const std::string& to) {
  auto env = status_request(source, to, 0xFFFF'FFFF);  // an id of typical size
  env.set_send_time_ns(crowdmesh::mesh::MeshClient::monotonic_now_ns());
  return env.ByteSizeLong();
}

std::string bench_source() { return "bench-" + std::to_string(getpid()) + "/cli"; }

Series run_mesh(const Options& opt, std::size_t request_bytes) {
  Series s;
  crowdmesh::mesh::MeshClient client;
  if (!opt.key_file.empty()) {
    auto pair = crowdmesh::mesh::read_curve_key_file(opt.key_file);
    auto curve = pair ? client.use_curve(*pair, opt.server_key) : caf::expected<void>(pair.error());
    if (!curve) {
      s.send_errors = opt.count;
      s.note_error(crowdmesh::error_sentence(curve.error()));
      return s;
    }
  }
  if (auto connected = client.connect(opt.connect); !connected) {
    s.send_errors = opt.count;
    s.note_error(crowdmesh::error_sentence(connected.error()));
    return s;
  }
  const std::string source = bench_source();
  std::uint64_t id = 1;
  s.request_bytes = request_bytes;
  Series warmup;  // discarded; stops early when the peer does not answer
  for (std::uint64_t i = 0; i < opt.warmup && warmup.timeouts < kMaxConsecutiveTimeouts; ++i)
    mesh_round_trip(client, status_request(source, opt.to, id++), &warmup);
  measure(s, opt.count, [&](Series* out) { mesh_round_trip(client, status_request(source, opt.to, id++), out); });
  return s;
}

// --- baseline: DEALER ↔ ROUTER echo on tcp loopback ----------------------------------

/// Echoes every [identity][payload] back until `stop`. Runs on its own thread.
void echo_server(zmq::socket_t& router, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    std::vector<zmq::pollitem_t> items = {{router.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, kServerPollInterval);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) continue;
      zmq::send_multipart(router, frames);
    } catch (const zmq::error_t&) {
      if (stop.load()) return;
    }
  }
}

Series run_baseline(const Options& opt, std::size_t payload_bytes) {
  Series s;
  s.request_bytes = s.reply_bytes = payload_bytes;
  zmq::context_t context{1};
  std::atomic<bool> stop{false};
  std::optional<zmq::socket_t> router;
  std::thread server;
  try {
    router.emplace(context, zmq::socket_type::router);
    router->set(zmq::sockopt::linger, 0);
    router->bind("tcp://127.0.0.1:*");
    const std::string endpoint = router->get(zmq::sockopt::last_endpoint);
    server = std::thread{[&] { echo_server(*router, stop); }};

    zmq::socket_t dealer{context, zmq::socket_type::dealer};
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(endpoint);
    // The first 8 bytes carry a sequence number, so a late echo is not taken for the current one.
    std::string payload(std::max<std::size_t>(payload_bytes, sizeof(std::uint64_t)), 'x');
    std::uint64_t sequence = 0;

    auto round_trip = [&](Series* out) {
      ++sequence;
      std::memcpy(payload.data(), &sequence, sizeof sequence);
      const auto t0 = Clock::now();
      if (!dealer.send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
        if (out) ++out->send_errors, out->note_error("echo send queue full");
        return;
      }
      const auto deadline = t0 + kReplyTimeout;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) {
          if (out) ++out->timeouts, out->note_error("no echo within 1000 ms");
          return;
        }
        std::vector<zmq::pollitem_t> items = {{dealer.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, left);
        if (!(items[0].revents & ZMQ_POLLIN)) continue;
        zmq::message_t reply;
        if (!dealer.recv(reply, zmq::recv_flags::dontwait)) continue;
        if (reply.size() < sizeof sequence || std::memcmp(reply.data(), &sequence, sizeof sequence) != 0)
          continue;  // a late echo of an earlier request
        const auto t1 = Clock::now();
        if (out) out->rtt_ns.push_back(elapsed_ns(t0, t1));
        return;
      }
    };
    for (std::uint64_t i = 0; i < opt.warmup; ++i) round_trip(nullptr);
    measure(s, opt.count, round_trip);
  } catch (const zmq::error_t& e) {
    ++s.send_errors;
    s.note_error(std::string{"echo baseline: "} + e.what());
  }
  stop.store(true);
  if (server.joinable()) server.join();
  return s;
}

// --- output ---------------------------------------------------------------------------

void print_human(const char* name, const Series& s, const Figures& f, std::uint64_t count) {
  std::printf("%-8s %llu requests (%zu B request, %zu B first reply): ", name, static_cast<unsigned long long>(count),
              s.request_bytes, s.reply_bytes);
  if (f.valid)
    std::printf("p50 %.1f us  p90 %.1f us  p99 %.1f us  max %.1f us  %.0f req/s", f.p50_us, f.p90_us, f.p99_us,
                f.max_us, f.req_per_s);
  else
    std::printf("no answered request");
  std::printf("  errors %llu (timeouts %llu, error replies %llu, send %llu, skipped %llu)\n",
              static_cast<unsigned long long>(s.errors()), static_cast<unsigned long long>(s.timeouts),
              static_cast<unsigned long long>(s.error_replies), static_cast<unsigned long long>(s.send_errors),
              static_cast<unsigned long long>(s.skipped));
  if (!s.first_error.empty()) std::printf("         first error: %s\n", s.first_error.c_str());
}

std::string json_of(const Series& s, const Figures& f, std::uint64_t count) {
  char head[256];
  std::snprintf(head, sizeof head,
                "{\"count\":%llu,\"ok\":%zu,\"errors\":%llu,\"timeouts\":%llu,\"error_replies\":%llu,"
                "\"skipped\":%llu,\"request_bytes\":%zu,\"reply_bytes\":%zu,",
                static_cast<unsigned long long>(count), s.rtt_ns.size(), static_cast<unsigned long long>(s.errors()),
                static_cast<unsigned long long>(s.timeouts), static_cast<unsigned long long>(s.error_replies),
                static_cast<unsigned long long>(s.skipped), s.request_bytes, s.reply_bytes);
  char tail[256] = "\"p50_us\":null,\"p90_us\":null,\"p99_us\":null,\"max_us\":null,\"req_per_s\":null}";
  if (f.valid)
    std::snprintf(tail, sizeof tail,
                  "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"req_per_s\":%.0f}", f.p50_us,
                  f.p90_us, f.p99_us, f.max_us, f.req_per_s);
  return std::string{head} + tail;
}

bool parse_count(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-') return false;
  out = v;
  return true;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "mesh_latency_bench: %s\nusage: mesh_latency_bench [--connect ENDPOINT] [--to NODE] "
               "[--count N] [--warmup N] [--baseline-only|--no-baseline] [--key FILE --server-key KEY]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--connect" && has_value) {
      opt.connect = argv[++i];
    } else if (arg == "--to" && has_value) {
      opt.to = argv[++i];
    } else if (arg == "--count" && has_value) {
      if (!parse_count(argv[++i], opt.count) || opt.count == 0) return usage("--count must be a positive integer");
    } else if (arg == "--warmup" && has_value) {
      if (!parse_count(argv[++i], opt.warmup)) return usage("--warmup must be a non-negative integer");
    } else if (arg == "--baseline-only") {
      opt.mesh = false;
    } else if (arg == "--no-baseline") {
      opt.baseline = false;
    } else if (arg == "--key" && has_value) {
      opt.key_file = argv[++i];
    } else if (arg == "--server-key" && has_value) {
      opt.server_key = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      usage("round trip of GetStatus through one forwarding hop, and a ZeroMQ echo baseline");
      return 0;
    } else {
      return usage(("unknown or incomplete option '" + arg + "'").c_str());
    }
  }
  if (!opt.mesh && !opt.baseline) return usage("--baseline-only and --no-baseline exclude each other");
  if (opt.key_file.empty() != opt.server_key.empty()) return usage("--key and --server-key go together");

  // The baseline payload has the size of the serialized status request.
  const std::size_t request_bytes = status_request_bytes(bench_source(), opt.to);
  std::optional<Series> mesh, baseline;
  Figures mesh_f, base_f;
  if (opt.mesh) {
    std::printf("mesh: %llu x GetStatus to %s/node via %s (warmup %llu), one at a time\n",
                static_cast<unsigned long long>(opt.count), opt.to.c_str(), opt.connect.c_str(),
                static_cast<unsigned long long>(opt.warmup));
    std::fflush(stdout);
    mesh = run_mesh(opt, request_bytes);
    mesh_f = figures_of(*mesh);
    print_human("mesh", *mesh, mesh_f, opt.count);
  }
  if (opt.baseline) {
    baseline = run_baseline(opt, request_bytes);
    base_f = figures_of(*baseline);
    print_human("baseline", *baseline, base_f, opt.count);
  }
  std::string ratio = "null";
  if (mesh_f.valid && base_f.valid && base_f.p50_us > 0 && base_f.p99_us > 0) {
    std::printf("ratio mesh/baseline: p50 %.2fx  p99 %.2fx\n", mesh_f.p50_us / base_f.p50_us,
                mesh_f.p99_us / base_f.p99_us);
    char buf[96];
    std::snprintf(buf, sizeof buf, "{\"p50\":%.2f,\"p99\":%.2f}", mesh_f.p50_us / base_f.p50_us,
                  mesh_f.p99_us / base_f.p99_us);
    ratio = buf;
  }
  std::printf("{\"mesh\":%s,\"baseline\":%s,\"ratio\":%s}\n", mesh ? json_of(*mesh, mesh_f, opt.count).c_str() : "null",
              baseline ? json_of(*baseline, base_f, opt.count).c_str() : "null", ratio.c_str());
  const bool failed = (mesh && mesh->errors() > 0) || (baseline && baseline->errors() > 0);
  return failed ? 1 : 0;
}

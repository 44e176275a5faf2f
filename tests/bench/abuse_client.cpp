// A hostile control client for the abuse scenario (tests/bench/abuse_rss.sh):
// sends COUNT commands of one kind to a node's control socket, at most WINDOW
// in flight (one DEALER, pipelined, so 10 000 commands take seconds, not the
// 10 000 control_node processes they would otherwise need), and counts what
// came back by reply kind. Plain, or CURVE with any key pair (a key the mesh
// does not list is the point of one of the abuses).
//
// Kinds (what each command is):
//   master     SetMasterGain -96 dB: the command that would silence the room
//              (sent by the clients that should get nothing in)
//   scheduled  SetMasterGain 0 dB with execute_at_ns AHEAD_S ahead of this
//              host's CLOCK_MONOTONIC_RAW (the mesh clock of a one-node mesh):
//              the node holds at most 256 such commands, refuses the rest
//   buffers    LoadBuffer of PATH into DECK with buffer ids 1..COUNT: a deck
//              holds at most 16 buffers, the rest are refused
//
// Usage: abuse_client --connect tcp://127.0.0.1:7780 --kind master|scheduled|buffers
//                     [--count 1000] [--window 64] [--wait-ms 2000]
//                     [--key KEY_FILE --server-key NODE_PUBLIC_KEY]   (CURVE)
//                     [--deck C] [--path FILE] [--ahead-s 3000]
// Prints one JSON line: {"kind":..,"sent":..,"replies":..,"ok":..,"no_reply":..,
// "errors":{"ERROR_CODE_...":n,...},"first_error":"..."}; a command counts as
// "no_reply" when nothing came back WAIT_MS after the last reply (held or refused
// at the handshake). Exit status: 0 ran, 2 usage or setup error.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/error.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "mesh/curve_keys.hpp"
#include "mesh/envelope_codec.hpp"
#include "mesh/socket_security.hpp"

namespace {

namespace v1 = crowdmesh::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string connect = "tcp://127.0.0.1:7780";
  std::string kind;
  std::uint64_t count = 1000;
  std::uint64_t window = 64;
  std::int64_t wait_ms = 2000;
  std::string key_file;
  std::string server_key;
  std::string deck = "C";
  std::string path;
  std::int64_t ahead_s = 3000;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "abuse_client: %s\nusage: abuse_client --connect ENDPOINT --kind master|scheduled|buffers "
               "[--count N] [--window N] [--wait-ms MS] [--key FILE --server-key KEY] [--deck A..D] [--path FILE] "
               "[--ahead-s S]\n",
               why.c_str());
  std::exit(2);
}

std::int64_t to_int(const std::string& text, const char* name, std::int64_t lo, std::int64_t hi) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi)
    usage(std::string(name) + " " + text + " is not an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--connect") o.connect = v;
    else if (a == "--kind") o.kind = v;
    else if (a == "--count") o.count = static_cast<std::uint64_t>(to_int(v, "--count", 1, 10'000'000));
    else if (a == "--window") o.window = static_cast<std::uint64_t>(to_int(v, "--window", 1, 1000));
    else if (a == "--wait-ms") o.wait_ms = to_int(v, "--wait-ms", 0, 600'000);
    else if (a == "--key") o.key_file = v;
    else if (a == "--server-key") o.server_key = v;
    else if (a == "--deck") o.deck = v;
    else if (a == "--path") o.path = v;
    else if (a == "--ahead-s") o.ahead_s = to_int(v, "--ahead-s", 1, 86'400);
    else usage("unknown option " + a);
  }
  if (o.kind != "master" && o.kind != "scheduled" && o.kind != "buffers")
    usage("--kind " + o.kind + " is not one of master, scheduled, buffers");
  if (o.deck.size() != 1 || o.deck[0] < 'A' || o.deck[0] > 'D') usage("--deck " + o.deck + " is not one of A..D");
  if (o.kind == "buffers" && o.path.empty()) usage("--kind buffers needs --path FILE");
  if (o.key_file.empty() != o.server_key.empty()) usage("--key and --server-key go together");
  return o;
}

std::int64_t raw_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

// Command number `i` (0-based) of the run.
v1::Envelope make_command(const Options& o, std::uint64_t i) {
  v1::Envelope env;
  env.set_protocol_version(1);
  env.set_source("abuse/cli");
  env.set_target("*/mixer");
  env.set_correlation_id(i + 1);
  env.set_send_time_ns(raw_now_ns());
  auto* c = env.mutable_command();
  if (o.kind == "master") {
    c->mutable_set_master_gain()->set_gain_db(-96.0);
  } else if (o.kind == "scheduled") {
    c->mutable_set_master_gain()->set_gain_db(0.0);
    env.set_execute_at_ns(raw_now_ns() + o.ahead_s * 1'000'000'000LL);
  } else {
    auto* load = c->mutable_load_buffer();
    load->set_deck(static_cast<v1::Deck>(v1::DECK_A + (o.deck[0] - 'A')));
    load->set_buffer_id(static_cast<std::uint32_t>(i + 1));
    load->set_path(o.path);
  }
  return env;
}

struct Tally {
  std::uint64_t sent = 0, replies = 0, ok = 0;
  std::map<std::string, std::uint64_t> errors;
  std::string first_error;
};

void count_reply(const zmq::message_t& msg, Tally& t) {
  v1::Envelope env;
  if (!env.ParseFromArray(msg.data(), static_cast<int>(msg.size())) || !env.has_reply()) return;
  ++t.replies;
  if (env.reply().has_ok()) {
    ++t.ok;
    return;
  }
  ++t.errors[v1::ErrorCode_Name(env.reply().error().code())];
  if (t.first_error.empty()) t.first_error = env.reply().error().message();
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  zmq::context_t ctx{1};
  zmq::socket_t dealer{ctx, zmq::socket_type::dealer};
  dealer.set(zmq::sockopt::linger, 0);
  try {
    if (!o.key_file.empty()) {
      auto own = crowdmesh::mesh::read_curve_key_file(o.key_file);
      if (!own) usage(crowdmesh::error_sentence(own.error()));
      crowdmesh::mesh::MeshSecurity sec;
      sec.curve = true;
      sec.own = *own;
      crowdmesh::mesh::secure_client(dealer, sec, o.server_key);
    }
    dealer.connect(o.connect);
  } catch (const zmq::error_t& e) {
    usage("cannot set up the client for " + o.connect + ": " + e.what());
  }

  Tally t;
  // Pipelined: up to `window` unanswered commands out. Commands the node never
  // answers (held, or refused at the handshake) are given up after wait_ms
  // without a reply, which frees the window for the next ones.
  std::uint64_t given_up = 0;
  auto last_progress = Clock::now();
  const auto wait = std::chrono::milliseconds(o.wait_ms);
  zmq::message_t msg;
  while (true) {
    while (dealer.recv(msg, zmq::recv_flags::dontwait)) {
      count_reply(msg, t);
      last_progress = Clock::now();
    }
    std::uint64_t in_flight = t.sent - std::min(t.sent, t.replies + given_up);
    if (t.sent == o.count && in_flight == 0) break;
    if (Clock::now() - last_progress > wait) {
      if (t.sent == o.count) break;
      given_up += in_flight;
      in_flight = 0;
      last_progress = Clock::now();
    }
    if (t.sent < o.count && in_flight < o.window) {
      const std::string bytes = crowdmesh::mesh::encode_envelope(make_command(o, t.sent));
      if (dealer.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
        ++t.sent;
        continue;
      }
    }
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
  }

  std::string errors;
  for (const auto& [code, n] : t.errors)
    errors += (errors.empty() ? "" : ",") + std::string("\"") + code + "\":" + std::to_string(n);
  std::printf(
      "{\"kind\":\"%s\",\"curve\":%s,\"sent\":%llu,\"replies\":%llu,\"ok\":%llu,\"no_reply\":%llu,"
      "\"errors\":{%s},\"first_error\":\"%s\"}\n",
      o.kind.c_str(), o.key_file.empty() ? "false" : "true", static_cast<unsigned long long>(t.sent),
      static_cast<unsigned long long>(t.replies), static_cast<unsigned long long>(t.ok),
      static_cast<unsigned long long>(t.sent - t.replies), errors.c_str(), json_escape(t.first_error).c_str());
  return 0;
}

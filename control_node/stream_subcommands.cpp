#include "control_node/stream_subcommands.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>

#include "common/error.hpp"

namespace crowdmesh::control {

namespace {

namespace v1 = crowdmesh::v1;

constexpr std::array<const char*, 5> kNames{"play-stream", "stop-stream", "sdp", "subscribe-stream",
                                            "unsubscribe-stream"};

caf::error bad(std::string sentence) { return make_error(errc::value_out_of_range, std::move(sentence)); }

// "master" or empty (= master): the only stream a node sends.
caf::expected<std::string> stream_name(const std::string& s, const std::string& what) {
  if (s.empty() || s == "master") return std::string{"master"};
  return bad(what + " '" + s + "' is not a stream of the node; the only one is \"master\" (its mix)");
}

struct HostPort {
  std::string host;
  std::uint32_t port = 0;
};

caf::expected<HostPort> host_port(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return bad(what + " '" + text + "' is not HOST:PORT (an IPv4 address and a UDP port 1..65535)");
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  errno = 0;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (errno != 0 || end == port.c_str() || *end != '\0' || p < 1 || p > 65535)
    return bad(what + " port '" + port + "' is out of range; allowed: 1..65535");
  return HostPort{text.substr(0, colon), static_cast<std::uint32_t>(p)};
}

}  // namespace

void add_stream_subcommands(CLI::App& app, StreamArgs& args) {
  auto* play = app.add_subcommand("play-stream", "Play another node's mix in this room (RTP over UDP, at its PTS)");
  play->add_option("SOURCE", args.source, "NODE or NODE/master")->required();
  play->add_flag("--mix-local", args.mix_local, "Mix the stream with this room's decks (default: the stream alone)");
  app.add_subcommand("stop-stream", "Stop playing a remote stream (fades out, unsubscribes)");
  auto* sdp = app.add_subcommand("sdp", "Print the SDP of this node's stream (for ffmpeg, VLC, GStreamer)");
  sdp->add_option("STREAM", args.stream, "Stream (default master)");
  sdp->add_option("--destination", args.destination, "Where it is sent, HOST:PORT")->type_name("HOST:PORT");
  auto* sub = app.add_subcommand("subscribe-stream", "Send this node's stream to HOST:PORT for a lease");
  sub->add_option("DESTINATION", args.destination, "Receiver, HOST:PORT")->required();
  sub->add_option("--lease", args.lease, "Seconds, 1..86400 (default 5; renew before it ends)")->type_name("S");
  sub->add_option("--stream", args.stream, "Stream (default master)");
  auto* unsub = app.add_subcommand("unsubscribe-stream", "Stop sending this node's stream to HOST:PORT");
  unsub->add_option("DESTINATION", args.destination, "Receiver, HOST:PORT")->required();
}

bool is_stream_subcommand(const std::string& name) {
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

caf::expected<std::string> build_stream_command(const std::string& name, const StreamArgs& args, Request& req) {
  v1::Command& cmd = *req.envelope.mutable_command();
  if (name == "play-stream") {
    const auto slash = args.source.find('/');
    if (args.source.empty() || slash == 0 || args.source.find('/', slash == std::string::npos ? 0 : slash + 1) !=
                                                 std::string::npos)
      return bad("play-stream SOURCE '" + args.source + "' must be NODE or NODE/master");
    if (slash != std::string::npos) {
      auto s = stream_name(args.source.substr(slash + 1), "play-stream SOURCE stream");
      if (!s) return s.error();
    }
    cmd.mutable_play_stream()->set_source(args.source);
    cmd.mutable_play_stream()->set_mix_local(args.mix_local);
  } else if (name == "stop-stream") {
    cmd.mutable_stop_stream();
  } else if (name == "sdp") {
    auto s = stream_name(args.stream, "sdp STREAM");
    if (!s) return s.error();
    auto* g = cmd.mutable_get_stream_sdp();
    g->set_stream(*s);
    if (!args.destination.empty()) {
      auto hp = host_port(args.destination, "sdp --destination");
      if (!hp) return hp.error();
      g->set_destination(args.destination);
    }
  } else {
    auto hp = host_port(args.destination, name + " DESTINATION");
    if (!hp) return hp.error();
    auto s = stream_name(args.stream, name + " --stream");
    if (!s) return s.error();
    if (name == "subscribe-stream") {
      auto* m = cmd.mutable_subscribe_stream();
      m->set_stream(*s);
      m->set_host(hp->host);
      m->set_port(hp->port);
      if (!args.lease.empty()) {
        char* end = nullptr;
        const long v = std::strtol(args.lease.c_str(), &end, 10);
        if (end == args.lease.c_str() || *end != '\0' || v < 1 || v > 86400)
          return bad("subscribe-stream --lease '" + args.lease + "' is out of range; allowed: 1..86400 s");
        m->set_lease_seconds(static_cast<std::uint32_t>(v));
      }
    } else {
      auto* m = cmd.mutable_unsubscribe_stream();
      m->set_stream(*s);
      m->set_host(hp->host);
      m->set_port(hp->port);
    }
  }
  return std::string{"stream"};
}

}  // namespace crowdmesh::control

#include "encoder_role.hpp"

#include <chrono>
#include <thread>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "encoder/preset.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::node {

using namespace std::chrono_literals;

caf::expected<std::unique_ptr<EncoderRole>> EncoderRole::start(caf::actor_system& sys,
                                                               const std::vector<std::string>& specs,
                                                               const std::string& source_endpoint,
                                                               const std::string& stream, double max_backlog_seconds,
                                                               const mesh::MeshSecurity& security,
                                                               const std::string& source_key) {
  encoder::EncoderActorConfig cfg;
  for (const auto& s : specs) {
    auto spec = encoder::parse_encode_spec(s);
    if (!spec) return make_error(error_code(spec.error()), "--encode " + s + ": " + error_sentence(spec.error()));
    cfg.outputs.push_back(std::move(*spec));
  }
  std::unique_ptr<EncoderRole> role(new EncoderRole());
  role->inbox_ = std::make_shared<encoder::EncoderInbox>(max_backlog_seconds);
  cfg.inbox = role->inbox_;
  cfg.source_name = source_endpoint.empty() ? "local mixer" : source_endpoint;
  auto actor = encoder::spawn_encoder_actor(sys, cfg);
  if (!actor) return actor.error();
  role->actor_ = *actor;
  if (!source_endpoint.empty()) {
    auto inbox = role->inbox_;
    auto sub =
        mesh::AudioSubscriber::start(source_endpoint, stream, [inbox](StreamChunk c) { inbox->offer(std::move(c)); },
                                     1 << 20, security, source_key);
    if (!sub) {
      caf::anon_send_exit(role->actor_, caf::exit_reason::user_shutdown);
      return sub.error();
    }
    role->subscriber_ = std::move(*sub);
    spdlog::info("encoder: listening to stream '{}' from {}", stream, source_endpoint);
  }
  for (const auto& o : cfg.outputs)
    spdlog::info("encoder: output {} ({}) → {}", o.output.name, encoder::to_string(o.output.codec.codec), o.sink_url);
  return role;
}

EncoderRole::~EncoderRole() {
  if (subscriber_) subscriber_->stop();
  if (actor_) caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

encoder::EncoderStats EncoderRole::stats(caf::scoped_actor& self) {
  if (stopped_) return final_;
  encoder::EncoderStats s;
  self->request(actor_, 2s, stats_atom_v)
      .receive([&](encoder::EncoderStats& r) { s = std::move(r); }, [](caf::error&) {});
  return s;
}

encoder::EncoderStats EncoderRole::stop(caf::scoped_actor& self) {
  if (stopped_) return final_;
  if (subscriber_) {
    // Take what is still in flight (the sender's last blocks) before closing:
    // wait until nothing arrived for 200 ms, at most 1 s.
    auto last = subscriber_->stats().received;
    auto quiet_since = std::chrono::steady_clock::now();
    const auto deadline = quiet_since + 1s;
    while (std::chrono::steady_clock::now() < deadline && std::chrono::steady_clock::now() - quiet_since < 200ms) {
      std::this_thread::sleep_for(20ms);
      const auto now = subscriber_->stats().received;
      if (now != last) {
        last = now;
        quiet_since = std::chrono::steady_clock::now();
      }
    }
    subscriber_->stop();
  }
  self->request(actor_, 30s, stop_atom_v)
      .receive([&](encoder::EncoderStats& r) { final_ = std::move(r); },
               [](caf::error& e) { spdlog::error("encoder: stop failed: {}", error_sentence(e)); });
  stopped_ = true;
  return final_;
}

std::string resolve_audio_source(const MeshConfig& mesh, const std::string& source) {
  if (source.empty()) return {};
  const NodeConfig* n = mesh.find(source);
  if (!n) return source;
  std::string ep = n->endpoints.audio;
  for (const std::string wildcard : {"0.0.0.0", "*"}) {
    const auto at = ep.find("://" + wildcard + ":");
    if (at == std::string::npos) continue;
    const auto& ctl = n->endpoints.control;
    const auto h0 = ctl.find("://");
    const auto h1 = ctl.rfind(':');
    std::string host = (h0 != std::string::npos && h1 > h0 + 3) ? ctl.substr(h0 + 3, h1 - h0 - 3) : "127.0.0.1";
    if (host == "0.0.0.0" || host == "*") host = "127.0.0.1";
    ep.replace(at + 3, wildcard.size(), host);
  }
  return ep;
}

caf::expected<std::string> audio_source_key(const MeshConfig& mesh, const NodeSecurity& security,
                                            const std::string& source) {
  if (!security.sockets.curve || source.empty()) return std::string();
  if (auto it = security.node_keys.find(source); it != security.node_keys.end()) return it->second;
  for (const auto& n : mesh.nodes)
    if (resolve_audio_source(mesh, n.name) == source || n.endpoints.audio == source) return security.node_keys.at(n.name);
  return make_error(errc::value_out_of_range,
                    "encoder source " + source + " is not a node of " + mesh.origin +
                        ": with security.mode = \"curve\" an encoder takes a mesh node's stream (it needs the "
                        "node's public key); name the node, e.g. --source room-a");
}

}  // namespace crowdmesh::node

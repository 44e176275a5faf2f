#include "stream_role.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "command_replies.hpp"
#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "mesh/mesh_client.hpp"
#include "netaudio/sdp.hpp"
#include "rt/steady_clock.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::node {

namespace v1 = crowdmesh::v1;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kDefaultLeaseSeconds = 5;
constexpr std::uint32_t kPlayLeaseSeconds = 3;
constexpr std::int64_t kRenewNs = 500'000'000;
constexpr std::int64_t kSilentAfterNs = 1'000'000'000;
constexpr auto kRequestTimeout = 800ms;
constexpr std::size_t kMaxSubscribers = 32;

// The StreamSender as the playout's sink.
class SenderSink final : public netaudio::BlockSink {
 public:
  explicit SenderSink(std::shared_ptr<netaudio::StreamSender> s) : sender_(std::move(s)) {}
  bool push(const float* interleaved, std::uint32_t frames, std::int64_t pts_ns) noexcept override {
    return sender_->push(interleaved, frames, pts_ns);
  }

 private:
  std::shared_ptr<netaudio::StreamSender> sender_;
};

v1::Reply ok_stream(const v1::StreamInfo& info, const std::string& message = {}) {
  v1::Reply r;
  *r.mutable_ok()->mutable_stream() = info;
  if (!message.empty()) r.mutable_ok()->set_message(message);
  return r;
}

v1::Reply error_reply(const caf::error& e) { return mixer::error_reply(e); }

std::uint32_t next_pow2(std::uint64_t v) {
  std::uint32_t p = 1;
  while (p < v && p < (1u << 30)) p <<= 1;
  return p;
}

}  // namespace

std::unique_ptr<StreamRole> StreamRole::start(StreamRoleConfig cfg) {
  std::unique_ptr<StreamRole> role(new StreamRole(std::move(cfg)));
  auto* r = role.get();
  if (r->cfg_.device_port)
    r->cfg_.device_port->attach([p = r->playout_](float* out, std::size_t frames, std::int64_t pts_ns) {
      p->render(out, frames, pts_ns);
    });
  r->thread_ = std::thread([r] { r->run(); });
  if (!r->cfg_.settings.play.empty()) {
    const auto source = r->cfg_.settings.play;
    const bool mix = r->cfg_.settings.mix_local;
    r->post([r, source, mix] {
      const auto reply = r->play(source, mix);
      if (reply.has_error()) spdlog::warn("play_stream {}: {} (retrying every second)", source, reply.error().message());
    });
  }
  return role;
}

StreamRole::StreamRole(StreamRoleConfig cfg) : cfg_(std::move(cfg)) {
  netaudio::StreamPlayoutConfig pc;
  pc.channels = cfg_.channels;
  pc.rate_hz = cfg_.sample_rate_hz;
  pc.max_latency_frames = static_cast<std::uint32_t>(2 * cfg_.sample_rate_hz);  // StreamSettings allows 2000 ms
  pc.max_frames_per_call = static_cast<std::uint32_t>(std::max(4096, 8 * cfg_.period_frames));
  playout_ = std::make_shared<netaudio::StreamPlayout>(pc, cfg_.mixer_port);
  if (cfg_.settings.port == 0) cfg_.settings.port = 7704;
  if (cfg_.settings.host.empty()) {  // no mesh config: the host of the node's control endpoint, if it names one
    const auto* self = cfg_.mesh.find(cfg_.node);
    const std::string control = self ? self->endpoints.control : std::string("tcp://127.0.0.1:7700");
    const auto colon = control.rfind(':');
    if (control.rfind("tcp://", 0) == 0 && colon != std::string::npos && colon > 6) {
      const std::string host = control.substr(6, colon - 6);
      if (netaudio::parse_udp_address(host)) cfg_.settings.host = host;
    }
  }
  if (!cfg_.settings.multicast.empty()) {
    auto group = netaudio::parse_udp_address(cfg_.settings.multicast);
    if (group && group->is_multicast())
      group_ = *group;
    else
      spdlog::error("stream_multicast {}: not a multicast GROUP:PORT; serving rooms by unicast",
                    cfg_.settings.multicast);
  }
}

StreamRole::~StreamRole() { stop(); }

void StreamRole::stop() {
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (cfg_.device_port) cfg_.device_port->detach();
  playout_->stop_remote();
  playout_->stop_source();
  std::shared_ptr<netaudio::StreamSender> sender;
  std::unique_ptr<Playing> playing;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    sender = std::move(sender_);
    playing = std::move(playing_);
  }
  if (sender) sender->stop();
}

void StreamRole::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lk(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_all();
}

void StreamRole::event(const std::string& kind, const std::string& text) {
  spdlog::info("{}", text);
  if (cfg_.on_event) cfg_.on_event(kind, text);
}

netaudio::RtpStreamFormat StreamRole::format() const {
  netaudio::RtpStreamFormat f;
  f.channels = static_cast<std::uint32_t>(cfg_.channels);
  f.sample_rate_hz = static_cast<std::uint32_t>(cfg_.sample_rate_hz);
  f.encoding = cfg_.settings.codec == "opus"  ? netaudio::PcmEncoding::opus
               : cfg_.settings.codec == "l16" ? netaudio::PcmEncoding::l16
                                              : netaudio::PcmEncoding::l24;
  f.opus_bitrate_bps = cfg_.settings.opus_kbps * 1000;
  // 2.5 ms Opus frames: an FEC block of K = 24 packets then spans 60 ms, which
  // the default latency covers (10 ms frames would make it 240 ms).
  f.opus_frame_frames = 120;
  f.repair_payload_type = cfg_.settings.fec ? 97 : -1;
  return f;
}

std::uint32_t StreamRole::latency_frames() const {
  return static_cast<std::uint32_t>(static_cast<std::int64_t>(cfg_.settings.latency_ms) * cfg_.sample_rate_hz / 1000);
}

void StreamRole::handle(const v1::Command& c, ReplyFn reply) {
  switch (c.command_case()) {
    case v1::Command::kSubscribeStream: return reply(subscribe(c.subscribe_stream()));
    case v1::Command::kUnsubscribeStream: return reply(unsubscribe(c.unsubscribe_stream()));
    case v1::Command::kGetStreamSdp: return reply(sdp(c.get_stream_sdp()));
    case v1::Command::kPlayStream: {
      const auto source = c.play_stream().source();
      const bool mix = c.play_stream().mix_local();
      return post([this, source, mix, reply] { reply(play(source, mix)); });
    }
    case v1::Command::kStopStream: return post([this, reply] { reply(stop_playing()); });
    default: return reply(out_of_range("not a stream command"));
  }
}

v1::StreamInfo StreamRole::source_info() const {
  v1::StreamInfo i;
  const auto f = format();
  i.set_stream_id(cfg_.node + "/master");
  i.set_sample_rate_hz(f.sample_rate_hz);
  i.set_channels(f.channels);
  i.set_encoding(netaudio::encoding_name(f.encoding));
  i.set_payload_type(f.payload_type);
  i.set_repair_payload_type(f.repair_payload_type);
  const netaudio::FecConfig fec;
  i.set_fec_source_packets(f.repair_payload_type >= 0 ? static_cast<std::uint32_t>(fec.source_packets) : 0);
  i.set_fec_repair_packets(f.repair_payload_type >= 0 ? static_cast<std::uint32_t>(fec.repair_packets) : 0);
  i.set_frames_per_packet(f.encoding == netaudio::PcmEncoding::opus ? f.opus_frame_frames
                                                                    : static_cast<std::uint32_t>(cfg_.sample_rate_hz / 500));
  i.set_latency_ms(static_cast<std::uint32_t>(cfg_.settings.latency_ms));
  i.set_subscribers(static_cast<std::uint32_t>(subscribers_.size()));
  if (sender_) {
    i.set_source_address(cfg_.settings.host + ":" + std::to_string(sender_->local_port()));
    i.set_ssrc(sender_->ssrc());
    i.set_epoch(sender_->epoch());
    i.set_frames_per_packet(sender_->frames_per_packet());
  }
  return i;
}

v1::Reply StreamRole::subscribe(const v1::SubscribeStream& s) {
  if (!s.stream().empty() && s.stream() != "master")
    return out_of_range("stream '" + s.stream() + "' does not exist on " + cfg_.node + "; the only one is \"master\"");
  if (s.port() < 1 || s.port() > 65535)
    return out_of_range("subscribe: port " + std::to_string(s.port()) + " is out of range; allowed: 1..65535");
  if (s.lease_seconds() > 86400)
    return out_of_range("subscribe: lease " + std::to_string(s.lease_seconds()) + " s is out of range; allowed: 1..86400");
  auto address = netaudio::parse_udp_address(s.host(), static_cast<std::uint16_t>(s.port()));
  if (!address) return error_reply(address.error());
  const auto lease = s.lease_seconds() == 0 ? kDefaultLeaseSeconds : s.lease_seconds();
  const auto expires = rt::steady_now_ns() + static_cast<std::int64_t>(lease) * 1'000'000'000;
  std::shared_ptr<netaudio::StreamSender> started;
  std::lock_guard<std::mutex> lk(mutex_);
  if (!sender_) {
    netaudio::StreamSenderConfig sc;
    sc.format = format();
    sc.fec = cfg_.settings.fec;
    sc.frames_per_packet = static_cast<std::uint32_t>(cfg_.sample_rate_hz / 500);  // 2 ms
    sc.queue_frames = static_cast<std::size_t>(cfg_.sample_rate_hz);
    // Multicast leaves through this node's stream address, so that receivers,
    // which accept datagrams from that host only, see it as the source.
    if (group_) sc.socket.multicast_interface = cfg_.settings.host;
    auto sender = netaudio::StreamSender::start(sc);
    if (!sender) return error_reply(sender.error());
    sender_ = std::shared_ptr<netaudio::StreamSender>(std::move(*sender));
    if (auto ok = playout_->start_source(std::make_shared<SenderSink>(sender_), latency_frames()); !ok) {
      sender_->stop();
      sender_.reset();
      return error_reply(ok.error());
    }
    spdlog::info("stream {}/master: sending from UDP port {}; this room now plays {} ms late, with its remote rooms",
                 cfg_.node, sender_->local_port(), cfg_.settings.latency_ms);
  }
  const bool via_group = group_ && s.accept_multicast();
  auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                         [&](const Subscriber& x) { return x.address == *address; });
  if (it != subscribers_.end()) {
    it->expires_ns = expires;
  } else {
    if (subscribers_.size() >= kMaxSubscribers)
      return not_ready("stream " + cfg_.node + "/master already has " + std::to_string(kMaxSubscribers) +
                       " subscribers (the most it serves); set stream_multicast to serve more rooms");
    if (!via_group)
      if (auto ok = sender_->add_destination(*address); !ok) return error_reply(ok.error());
    subscribers_.push_back({*address, expires, via_group});
    spdlog::info("stream {}/master: subscriber {} (lease {} s{})", cfg_.node, netaudio::to_string(*address), lease,
                 via_group ? ", through group " + netaudio::to_string(*group_) : std::string());
  }
  update_group_destination();
  auto info = source_info();
  info.set_lease_seconds(lease);
  if (via_group) info.set_multicast_group(netaudio::to_string(*group_));
  return ok_stream(info);
}

v1::Reply StreamRole::unsubscribe(const v1::UnsubscribeStream& s) {
  auto address = netaudio::parse_udp_address(s.host(), static_cast<std::uint16_t>(s.port()));
  if (!address) return error_reply(address.error());
  std::lock_guard<std::mutex> lk(mutex_);
  auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                         [&](const Subscriber& x) { return x.address == *address; });
  if (it == subscribers_.end())
    return out_of_range(netaudio::to_string(*address) + " is not a subscriber of " + cfg_.node + "/master");
  const bool via_group = it->via_group;
  subscribers_.erase(it);
  if (sender_ && !via_group) sender_->remove_destination(*address);
  update_group_destination();
  return ok_stream(source_info(), "unsubscribed " + netaudio::to_string(*address));
}

v1::Reply StreamRole::sdp(const v1::GetStreamSdp& g) {
  if (!g.stream().empty() && g.stream() != "master")
    return out_of_range("stream '" + g.stream() + "' does not exist on " + cfg_.node + "; the only one is \"master\"");
  if (g.destination().empty())
    return out_of_range("sdp: give --destination HOST:PORT (where the stream is sent; no multicast group is set)");
  auto address = netaudio::parse_udp_address(g.destination());
  if (!address) return error_reply(address.error());
  std::lock_guard<std::mutex> lk(mutex_);
  auto info = source_info();
  netaudio::SdpStream s;
  s.session_name = "Crowdmesh " + info.stream_id();
  s.origin_address = cfg_.settings.host.empty() ? "0.0.0.0" : cfg_.settings.host;
  s.session_id = info.epoch();
  const auto text = netaudio::to_string(*address);
  s.address = text.substr(0, text.rfind(':'));
  s.port = static_cast<std::uint16_t>(std::stoi(text.substr(text.rfind(':') + 1)));
  s.format = format();
  s.ptime_ms = 1000.0 * info.frames_per_packet() / cfg_.sample_rate_hz;
  s.repair_port = s.format.repair_payload_type >= 0 ? s.port : 0;
  auto doc = netaudio::make_sdp(s);
  if (!doc) return error_reply(doc.error());
  info.set_sdp(*doc);
  return ok_stream(info);
}

caf::expected<std::unique_ptr<netaudio::DatagramInlet>> StreamRole::open_inlet(const std::string& group) {
  netaudio::DatagramInletConfig ic;
  ic.socket.port = static_cast<std::uint16_t>(cfg_.settings.port);
  if (!group.empty()) {
    auto g = netaudio::parse_udp_address(group);
    if (!g) return g.error();
    ic.socket.multicast_group = *g;
    ic.socket.multicast_interface = cfg_.settings.host;  // join where this node's stream address is
    ic.socket.port = g->port();
  }
  return netaudio::DatagramInlet::start(ic);
}

caf::expected<v1::StreamInfo> StreamRole::request_subscription(const std::string& endpoint,
                                                               const std::string& source_node) {
  if (!client_ || client_->endpoint() != endpoint) {
    client_ = std::make_unique<mesh::MeshClient>();
    if (cfg_.security.sockets.curve) {
      auto key = cfg_.security.node_keys.find(source_node);
      if (key == cfg_.security.node_keys.end())
        return make_error(errc::value_out_of_range, "node " + source_node + " has no public key in " +
                                                        cfg_.mesh.origin + " (curve security)");
      if (auto ok = client_->use_curve(cfg_.security.sockets.own, key->second); !ok) return ok.error();
    }
    if (auto ok = client_->connect(endpoint); !ok) return ok.error();
  }
  v1::Envelope env;
  env.set_protocol_version(1);
  env.set_source(cfg_.node + "/stream");
  env.set_target(source_node + "/stream");
  env.set_correlation_id(++correlation_);
  auto* s = env.mutable_command()->mutable_subscribe_stream();
  s->set_stream("master");
  s->set_host(cfg_.settings.host);
  s->set_port(static_cast<std::uint32_t>(cfg_.settings.port));
  s->set_lease_seconds(kPlayLeaseSeconds);
  s->set_accept_multicast(true);
  auto reply = client_->request(std::move(env), kRequestTimeout);
  if (!reply) return reply.error();
  if (!reply->has_reply() || !reply->reply().has_ok() || !reply->reply().ok().has_stream())
    return make_error(errc::io_error, source_node + " refused the subscription: " +
                                          (reply->reply().has_error() ? reply->reply().error().message()
                                                                      : std::string("no stream in its reply")));
  return reply->reply().ok().stream();
}

v1::Reply StreamRole::play(const std::string& source, bool mix_local) {
  const auto slash = source.find('/');
  const std::string node = source.substr(0, slash);
  if (slash != std::string::npos && source.substr(slash + 1) != "master")
    return out_of_range("play-stream '" + source + "': the only stream of a node is \"master\"");
  if (node == cfg_.node) return out_of_range("play-stream '" + source + "': this is node " + node + " itself");
  const auto* peer = cfg_.mesh.find(node);
  if (!peer) return out_of_range("play-stream '" + source + "': no node " + node + " in the mesh config");
  if (cfg_.settings.host.empty())
    return not_ready("node " + cfg_.node + " has no address its sources can reach: set stream_host in [nodes." +
                     cfg_.node + "]");
  stop_playing();
  auto inlet = open_inlet("");
  if (!inlet) return error_reply(inlet.error());
  auto info = request_subscription(peer->endpoints.control, node);
  if (!info) return error_reply(info.error());
  if (!info->multicast_group().empty()) {  // the source serves us through its group: receive there instead
    (*inlet)->stop();
    inlet = open_inlet(info->multicast_group());
    if (!inlet) return error_reply(inlet.error());
  }
  if (info->sample_rate_hz() != static_cast<std::uint32_t>(cfg_.sample_rate_hz) ||
      info->channels() != static_cast<std::uint32_t>(cfg_.channels))
    return out_of_range("stream " + info->stream_id() + " is " + std::to_string(info->sample_rate_hz()) + " Hz " +
                        std::to_string(info->channels()) + " ch; this room's device runs " +
                        std::to_string(cfg_.sample_rate_hz) + " Hz " + std::to_string(cfg_.channels) +
                        " ch (both rooms must use the same rate and channels)");
  netaudio::RtpReceiverConfig rc;
  rc.buffer.format.payload_type = static_cast<std::uint8_t>(info->payload_type());
  rc.buffer.format.encoding = info->encoding() == "L16"    ? netaudio::PcmEncoding::l16
                              : info->encoding() == "opus" ? netaudio::PcmEncoding::opus
                                                           : netaudio::PcmEncoding::l24;
  rc.buffer.format.opus_frame_frames = info->frames_per_packet();
  rc.buffer.format.channels = info->channels();
  rc.buffer.format.sample_rate_hz = info->sample_rate_hz();
  rc.buffer.format.repair_payload_type = info->repair_payload_type();
  const std::uint64_t block_frames = std::uint64_t{info->frames_per_packet()} * std::max(1u, info->fec_source_packets());
  rc.buffer.capacity_frames =
      next_pow2(2 * (std::uint64_t{info->latency_ms()} * info->sample_rate_hz() / 1000 + block_frames));
  rc.buffer.conceal_period_frames = std::max(1u, info->frames_per_packet());
  if (info->repair_payload_type() >= 0) {
    rc.fec.block.source_packets = static_cast<int>(info->fec_source_packets());
    rc.fec.block.repair_packets = static_cast<int>(info->fec_repair_packets());
  }
  if (auto err = netaudio::RtpReceiver::check(rc)) return error_reply(err);
  auto source_host = netaudio::parse_udp_address(info->source_address());
  auto feed = std::make_shared<netaudio::NetworkFeed>(std::move(*inlet), rc);
  if (source_host) feed->set_source(*source_host);
  playout_->play_remote(feed, mix_local);
  auto p = std::make_unique<Playing>();
  p->source_node = node;
  p->endpoint = peer->endpoints.control;
  p->mix_local = mix_local;
  p->info = *info;
  p->feed = feed;
  p->next_renewal_ns = rt::steady_now_ns() + kRenewNs;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    playing_ = std::move(p);
  }
  info->set_playing(info->stream_id());
  const std::string via = info->multicast_group().empty() ? "UDP port " + std::to_string(cfg_.settings.port)
                                                          : "multicast group " + info->multicast_group();
  event("stream.source", "playing " + info->stream_id() + " from " + info->source_address() + " on " + via +
                             ", latency " + std::to_string(info->latency_ms()) + " ms" +
                             (mix_local ? ", mixed with the local decks" : ""));
  return ok_stream(*info);
}

v1::Reply StreamRole::stop_playing() {
  std::unique_ptr<Playing> p;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    p = std::move(playing_);
  }
  if (!p) return ok_message("no stream was playing");
  playout_->stop_remote();  // fades out over the next block
  p->feed->close();         // frees the port; the render thread may still read what was queued
  if (client_) {
    v1::Envelope env;
    env.set_protocol_version(1);
    env.set_source(cfg_.node + "/stream");
    env.set_target(p->source_node + "/stream");
    env.set_correlation_id(++correlation_);
    auto* u = env.mutable_command()->mutable_unsubscribe_stream();
    u->set_stream("master");
    u->set_host(cfg_.settings.host);
    u->set_port(static_cast<std::uint32_t>(cfg_.settings.port));
    (void)client_->request(std::move(env), kRequestTimeout);  // the lease ends anyway
  }
  return ok_message("stopped playing " + p->info.stream_id());
}

void StreamRole::renew() {
  Playing* p = playing_.get();  // role thread: only it replaces playing_
  if (!p) return;
  const auto now = rt::steady_now_ns();
  if (now < p->next_renewal_ns) return;
  p->next_renewal_ns = now + kRenewNs;
  auto info = request_subscription(p->endpoint, p->source_node);
  if (info && (info->ssrc() != p->info.ssrc() || info->epoch() != p->info.epoch())) {
    if (auto host = netaudio::parse_udp_address(info->source_address())) p->feed->set_source(*host);
    event("stream.source", "stream " + info->stream_id() + " restarted (epoch " + std::to_string(info->epoch()) +
                               "): following it");
    std::lock_guard<std::mutex> lk(mutex_);
    p->info = *info;
  }
  const auto f = p->feed->figures();
  const bool receiving = f.last_arrival_ns != 0 && now - f.last_arrival_ns < kSilentAfterNs;
  if (receiving != p->receiving) {
    p->receiving = receiving;
    if (receiving)
      event("stream.up", "stream " + p->info.stream_id() + " is arriving");
    else
      event("stream.down", "stream " + p->info.stream_id() +
                               ": no packet for 1 s; this room plays silence until it comes back" +
                               (info ? "" : " (" + p->source_node + " does not answer)"));
  }
  std::lock_guard<std::mutex> lk(mutex_);
  p->window.push_back({now, f.link.expected_packets, f.link.received_packets});
  while (p->window.size() > 1 && now - p->window.front().at_ns > 10'000'000'000LL) p->window.pop_front();
}

void StreamRole::update_group_destination() {
  if (!group_ || !sender_) return;
  const bool wanted = std::any_of(subscribers_.begin(), subscribers_.end(), [](const Subscriber& x) { return x.via_group; });
  if (wanted == sending_to_group_) return;
  if (wanted) {
    if (auto ok = sender_->add_destination(*group_); !ok) {
      spdlog::error("stream {}/master: cannot send to group {}: {}", cfg_.node, netaudio::to_string(*group_),
                    error_sentence(ok.error()));
      return;
    }
  } else {
    sender_->remove_destination(*group_);
  }
  sending_to_group_ = wanted;
  spdlog::info("stream {}/master: {} multicast group {}", cfg_.node, wanted ? "sending to" : "no longer sending to",
               netaudio::to_string(*group_));
}

void StreamRole::expire_leases() {
  const auto now = rt::steady_now_ns();
  std::lock_guard<std::mutex> lk(mutex_);
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    if (it->expires_ns < now) {
      spdlog::info("stream {}/master: lease of {} ended", cfg_.node, netaudio::to_string(it->address));
      if (sender_ && !it->via_group) sender_->remove_destination(it->address);
      it = subscribers_.erase(it);
    } else {
      ++it;
    }
  }
  update_group_destination();
}

void StreamRole::run() {
  pthread_setname_np(pthread_self(), "cm.streams");
  std::int64_t next_retry_ns = 0;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lk(mutex_);
      // Leases, renewals and a configured stream to retry need a 100 ms tick;
      // with none of them the thread wakes for tasks only (and once a second
      // to release a stopped stream's feed).
      const bool active = playing_ || !subscribers_.empty() || !cfg_.settings.play.empty();
      wake_.wait_for(lk, active ? 100ms : 1000ms, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      if (!tasks_.empty()) {
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
    }
    if (task) task();
    playout_->release_unused();
    expire_leases();
    renew();
    // A play_stream of the config that failed (source not up yet): retry every second.
    const auto now = rt::steady_now_ns();
    if (!cfg_.settings.play.empty() && !playing_ && now >= next_retry_ns) {
      next_retry_ns = now + 1'000'000'000;
      (void)play(cfg_.settings.play, cfg_.settings.mix_local);
    }
  }
}

void StreamRole::fill_links(v1::LinkStats& out) {
  std::lock_guard<std::mutex> lk(mutex_);
  if (!playing_) return;
  const auto& p = *playing_;
  const auto f = p.feed->figures();
  const auto in = p.feed->inlet_stats();
  auto* s = out.add_streams();
  s->set_stream_id(p.info.stream_id());
  s->set_source_address(p.info.source_address());
  s->set_packets_expected(f.link.expected_packets);
  s->set_packets_received(f.link.received_packets);
  s->set_packets_lost(f.link.cumulative_lost);
  s->set_loss_percent(f.link.expected_packets > 0
                          ? 100.0 * static_cast<double>(f.link.cumulative_lost) / static_cast<double>(f.link.expected_packets)
                          : 0.0);
  if (p.window.size() >= 2) {
    const auto& a = p.window.front();
    const auto& b = p.window.back();
    const double expected = static_cast<double>(b.expected - a.expected);
    const double received = static_cast<double>(b.received) - static_cast<double>(a.received);
    s->set_loss_percent_10s(expected > 0 ? 100.0 * (expected - received) / expected : 0.0);
  }
  s->set_recovered_packets(f.link.recovered_packets);
  s->set_concealed_frames(f.link.concealed_frames);
  s->set_late_packets(f.link.late_packets);
  s->set_duplicate_packets(f.link.duplicate_packets);
  s->set_foreign_packets(f.link.foreign_packets + in.foreign_host + in.oversize);
  s->set_jitter_ms(f.link.jitter_us / 1000.0);
  s->set_buffer_frames(f.buffered_frames);
  s->set_frames_played(f.link.played_frames);
  s->set_latency_ms(p.info.latency_ms());
  s->set_epoch(f.epoch);
  s->set_epoch_resets(f.epoch_resets);
  s->set_receiving(p.receiving);
  const auto db = [](double power) { return power > 1e-20 ? 10.0 * std::log10(power) : -200.0; };
  s->set_rms_dbfs(db(f.mean_square));
  s->set_peak_dbfs(db(f.peak * f.peak));
}

}  // namespace crowdmesh::node

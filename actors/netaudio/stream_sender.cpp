#include "netaudio/stream_sender.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <system_error>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

// The sender thread wakes at least this often without a push, so stop() is prompt.
constexpr auto kIdleWake = std::chrono::milliseconds(100);

// A random 32-bit value other than 0 (RFC 3550 §8.1: SSRC; §5.1: first sequence and timestamp).
std::uint32_t random_u32(std::random_device& rd) {
  std::uint32_t v = 0;
  while (v == 0) v = static_cast<std::uint32_t>(rd());
  return v;
}

std::uint32_t wall_clock_epoch() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const auto epoch = static_cast<std::uint32_t>(ms.count());
  return epoch == 0 ? 1 : epoch;
}

caf::error out_of_range(const std::string& what) { return make_error(errc::value_out_of_range, what); }

// Why `config` cannot make a stream; no error when it can.
caf::error check(const StreamSenderConfig& config, const FecConfig& fec) {
  const RtpStreamFormat& f = config.format;
  if (f.channels < 1 || f.channels > 32)
    return out_of_range("stream channels " + std::to_string(f.channels) + " is outside 1..32");
  if (f.sample_rate_hz == 0) return out_of_range("stream sample rate 0 Hz is not positive");
  if (f.payload_type > 127) return out_of_range("payload type " + std::to_string(f.payload_type) + " is outside 0..127");
  if (config.fec && (f.repair_payload_type < 0 || f.repair_payload_type > 127 ||
                     f.repair_payload_type == static_cast<int>(f.payload_type)))
    return out_of_range("repair payload type " + std::to_string(f.repair_payload_type) +
                        " is outside 0..127 or equal to the payload type " + std::to_string(f.payload_type) +
                        " (FEC is on)");
  RtpPacketizerConfig pc;
  pc.format = f;
  const std::size_t reserve = config.fec ? kRtpHeaderBytes + fec_repair_header_bytes(fec.source_packets) : 0;
  const std::uint32_t max_frames = RtpPacketizer(pc).max_frames_per_packet(reserve);
  if (f.encoding == PcmEncoding::opus) {
    if (auto err = check_opus_format(f)) return err;
  } else if (config.frames_per_packet < 1 || config.frames_per_packet > max_frames)
    return out_of_range("frames_per_packet " + std::to_string(config.frames_per_packet) + " is outside 1.." +
                        std::to_string(max_frames) + " (what fits a " + std::to_string(kMaxRtpPacketBytes) +
                        "-byte datagram of this format" + (config.fec ? " with FEC)" : ")"));
  if (config.queue_frames < 1) return out_of_range("queue_frames 0 is not positive");
  if (config.max_destinations < 1) return out_of_range("max_destinations 0 is not positive");
  return {};
}

RtpPacketizerConfig packetizer_config(const RtpStreamFormat& format, std::uint32_t ssrc, std::uint32_t epoch,
                                      std::random_device& rd) {
  RtpPacketizerConfig c;
  c.format = format;
  c.ssrc = ssrc;
  c.epoch = epoch;
  c.first_sequence = static_cast<std::uint16_t>(rd());
  c.first_timestamp = static_cast<std::uint32_t>(rd());
  return c;
}

// Bytes an Opus frame may take: what a datagram holds after the RTP header (and the FEC's reserve).
std::size_t opus_room(const StreamSenderConfig& config, const FecConfig& fec) {
  const std::size_t reserve = config.fec ? kRtpHeaderBytes + fec_repair_header_bytes(fec.source_packets) : 0;
  return std::min(kMaxOpusFrameBytes, kMaxRtpPacketBytes - kRtpHeaderBytes - reserve);
}

}  // namespace

caf::expected<std::unique_ptr<StreamSender>> StreamSender::start(const StreamSenderConfig& config) {
  const FecConfig fec;
  if (auto err = check(config, fec)) return err;
  std::optional<OpusPayloadEncoder> opus;
  if (config.format.encoding == PcmEncoding::opus) {
    auto enc = OpusPayloadEncoder::create(config.format);
    if (!enc) return std::move(enc.error());
    opus.emplace(std::move(*enc));
  }
  auto socket = UdpSocket::open(config.socket);
  if (!socket) return std::move(socket.error());
  std::random_device rd;
  const std::uint32_t ssrc = config.ssrc != 0 ? config.ssrc : random_u32(rd);
  const std::uint32_t epoch = config.epoch != 0 ? config.epoch : wall_clock_epoch();
  std::unique_ptr<StreamSender> sender(new StreamSender(config, std::move(*socket), ssrc, epoch, std::move(opus)));
  try {
    sender->thread_ = std::thread([s = sender.get()] {
      pthread_setname_np(pthread_self(), "cm.rtp-send");  // ps/top/perf show it by name
      s->run();
    });
  } catch (const std::system_error& e) {
    return make_error(errc::internal, std::string("cannot start the RTP sender thread: ") + e.what());
  }
  return sender;
}

StreamSender::StreamSender(const StreamSenderConfig& config, UdpSocket socket, std::uint32_t ssrc,
                           std::uint32_t epoch, std::optional<OpusPayloadEncoder> opus)
    : format_(config.format),
      frames_per_packet_(opus ? opus->frame_frames() : config.frames_per_packet),
      max_destinations_(config.max_destinations),
      ssrc_(ssrc),
      epoch_(epoch),
      socket_(std::move(socket)),
      ring_(config.queue_frames, static_cast<int>(config.format.channels)),
      blocks_(std::max<std::size_t>(64, ring_.capacity() / 8)),
      packetizer_([&] {
        std::random_device rd;
        return packetizer_config(config.format, ssrc, epoch, rd);
      }()),
      opus_(std::move(opus)),
      pending_(static_cast<std::size_t>(frames_per_packet_) * config.format.channels),
      datagram_(kMaxRtpPacketBytes) {
  if (opus_) {
    codec_delay_frames_ = opus_->lookahead_frames();
    codec_delay_ns_ = (static_cast<std::int64_t>(codec_delay_frames_) * 1'000'000'000 + format_.sample_rate_hz / 2) /
                      format_.sample_rate_hz;
    opus_packet_.resize(kMaxOpusFrameBytes);
    opus_max_bytes_ = opus_room(config, fec_config_);
  }
  if (config.fec) {
    std::random_device rd;
    FecEncoderConfig fc;
    fc.block = fec_config_;
    fc.repair_payload_type = static_cast<std::uint8_t>(format_.repair_payload_type);
    fc.repair_ssrc = ssrc + 1;
    fc.first_repair_sequence = static_cast<std::uint16_t>(rd());
    fec_.emplace(fc);
  } else {
    format_.repair_payload_type = -1;
  }
  destinations_.reserve(max_destinations_);
}

StreamSender::~StreamSender() { stop(); }

bool StreamSender::push(const float* interleaved, std::uint32_t frames, std::int64_t pts_ns) noexcept {
  if (frames == 0) return true;
  if (stopping_.load(std::memory_order_relaxed) || blocks_.write_available() == 0 ||
      !ring_.write(interleaved, frames)) {
    blocks_dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  blocks_.try_push(Block{pts_ns, frames});  // room checked above: one producer
  blocks_pushed_.fetch_add(1, std::memory_order_relaxed);
  wake_.post();
  return true;
}

caf::expected<void> StreamSender::add_destination(const UdpAddress& to) {
  if (to.port() == 0)
    return make_error(errc::value_out_of_range, "destination " + to_string(to) + " has no port (1..65535)");
  std::lock_guard<std::mutex> lk(destinations_mutex_);
  if (std::find(destinations_.begin(), destinations_.end(), to) != destinations_.end()) return {};
  if (destinations_.size() >= max_destinations_)
    return make_error(errc::value_out_of_range, "cannot add destination " + to_string(to) + ": the stream has " +
                                                    std::to_string(max_destinations_) +
                                                    " destinations already (max_destinations)");
  destinations_.push_back(to);
  return {};
}

bool StreamSender::remove_destination(const UdpAddress& to) {
  std::lock_guard<std::mutex> lk(destinations_mutex_);
  const auto it = std::find(destinations_.begin(), destinations_.end(), to);
  if (it == destinations_.end()) return false;
  destinations_.erase(it);
  return true;
}

std::vector<UdpAddress> StreamSender::destinations() const {
  std::lock_guard<std::mutex> lk(destinations_mutex_);
  return destinations_;
}

StreamSenderStats StreamSender::stats() const {
  StreamSenderStats s;
  s.blocks_pushed = blocks_pushed_.load(std::memory_order_relaxed);
  s.blocks_dropped = blocks_dropped_.load(std::memory_order_relaxed);
  s.frames_sent = frames_sent_.load(std::memory_order_relaxed);
  s.source_packets = source_packets_.load(std::memory_order_relaxed);
  s.repair_packets = repair_packets_.load(std::memory_order_relaxed);
  s.bytes_sent = bytes_sent_.load(std::memory_order_relaxed);
  s.send_errors = send_errors_.load(std::memory_order_relaxed);
  s.pts_discontinuities = pts_discontinuities_.load(std::memory_order_relaxed);
  s.encode_errors = encode_errors_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(destinations_mutex_);
  s.destinations = destinations_.size();
  return s;
}

void StreamSender::stop() {
  std::lock_guard<std::mutex> lk(stop_mutex_);
  stopping_.store(true, std::memory_order_release);
  if (!thread_.joinable()) return;
  wake_.post();
  thread_.join();
}

void StreamSender::run() noexcept {
  while (!stopping_.load(std::memory_order_acquire)) {
    wake_.wait_for(kIdleWake);
    drain();
  }
  drain();  // what was pushed before stop()
}

void StreamSender::drain() noexcept {
  Block b{};
  while (blocks_.try_pop(b)) take_block(b);
}

void StreamSender::take_block(const Block& b) noexcept {
  const std::int64_t rate = format_.sample_rate_hz;
  const double frame_ns = 1e9 / static_cast<double>(rate);
  if (have_next_pts_ && std::abs(static_cast<double>(b.pts_ns) - next_pts_ns_) > frame_ns / 2)
    pts_discontinuities_.fetch_add(1, std::memory_order_relaxed);
  have_next_pts_ = true;
  next_pts_ns_ = static_cast<double>(b.pts_ns) + b.frames * frame_ns;

  const std::size_t channels = format_.channels;
  std::uint32_t offset = 0;
  while (offset < b.frames) {
    if (pending_frames_ == 0)  // the packet's first frame: its PTS, rounded to the ns
      pending_pts_ns_ = b.pts_ns + (static_cast<std::int64_t>(offset) * 1'000'000'000 + rate / 2) / rate;
    const std::uint32_t n = std::min(b.frames - offset, frames_per_packet_ - pending_frames_);
    ring_.read(pending_.data() + static_cast<std::size_t>(pending_frames_) * channels, n);
    pending_frames_ += n;
    offset += n;
    if (pending_frames_ == frames_per_packet_) {
      emit_packet();
      pending_frames_ = 0;
    }
  }
}

void StreamSender::emit_packet() noexcept {
  RtpHeader h = packetizer_.next_header();
  std::size_t bytes = 0;
  if (opus_) {
    // PTS of the first decoded frame: the encoder's lookahead earlier (see the class comment).
    h.pts_ns = static_cast<std::uint64_t>(pending_pts_ns_ - codec_delay_ns_);
    const std::size_t n = opus_->encode(pending_.data(), opus_packet_.data(), opus_max_bytes_);
    if (n == 0) {
      encode_errors_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    bytes = packetizer_.write_payload(opus_packet_.data(), n, frames_per_packet_, h.pts_ns, datagram_.data(),
                                      datagram_.size());
  } else {
    h.pts_ns = static_cast<std::uint64_t>(pending_pts_ns_);
    bytes = packetizer_.write(pending_.data(), frames_per_packet_, h.pts_ns, datagram_.data(), datagram_.size());
  }
  if (bytes == 0) return;  // start() checked that a packet fits
  source_packets_.fetch_add(1, std::memory_order_relaxed);
  frames_sent_.fetch_add(frames_per_packet_, std::memory_order_relaxed);
  send_datagram(datagram_.data(), bytes);
  if (!fec_ || !fec_->add_source(datagram_.data(), bytes, h) || !fec_->repairs_ready()) return;
  for (int j = 0; j < fec_->m(); ++j) {
    const std::size_t repair = fec_->write_repair(j, datagram_.data(), datagram_.size());
    if (repair == 0) continue;
    repair_packets_.fetch_add(1, std::memory_order_relaxed);
    send_datagram(datagram_.data(), repair);
  }
}

void StreamSender::send_datagram(const std::uint8_t* data, std::size_t size) noexcept {
  std::lock_guard<std::mutex> lk(destinations_mutex_);
  for (const UdpAddress& to : destinations_) {
    if (socket_.send_to(data, size, to))
      bytes_sent_.fetch_add(size, std::memory_order_relaxed);
    else
      send_errors_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace crowdmesh::netaudio

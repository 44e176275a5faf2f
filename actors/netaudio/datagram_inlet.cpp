#include "netaudio/datagram_inlet.hpp"

#include <pthread.h>

#include <string>
#include <system_error>

#include "common/error.hpp"
#include "rt/steady_clock.hpp"

namespace crowdmesh::netaudio {
namespace {

// poll(2) timeout: how long stop() may wait for the thread to notice.
constexpr int kPollTimeoutMs = 100;
// Datagrams taken per wake-up before the stop flag is looked at again.
constexpr int kBurst = 256;
constexpr std::uint64_t kFilterOn = std::uint64_t{1} << 32;

}  // namespace

caf::expected<std::unique_ptr<DatagramInlet>> DatagramInlet::start(const DatagramInletConfig& config) {
  auto socket = UdpSocket::open(config.socket);
  if (!socket) return std::move(socket.error());
  std::unique_ptr<DatagramInlet> inlet(new DatagramInlet(config, std::move(*socket)));
  try {
    inlet->thread_ = std::thread([i = inlet.get()] {
      pthread_setname_np(pthread_self(), "cm.rtp-recv");  // ps/top/perf show it by name
      i->run();
    });
  } catch (const std::system_error& e) {
    return make_error(errc::internal, std::string("cannot start the RTP receiving thread: ") + e.what());
  }
  return inlet;
}

DatagramInlet::DatagramInlet(const DatagramInletConfig& config, UdpSocket socket)
    : socket_(std::move(socket)), queue_(config.slots) {}

DatagramInlet::~DatagramInlet() { stop(); }

void DatagramInlet::set_source(std::optional<UdpAddress> host) noexcept {
  source_.store(host ? kFilterOn | host->addr.sin_addr.s_addr : 0, std::memory_order_relaxed);
}

DatagramInletStats DatagramInlet::stats() const noexcept {
  DatagramInletStats s;
  s.received = received_.load(std::memory_order_relaxed);
  s.queued = queued_.load(std::memory_order_relaxed);
  s.foreign_host = foreign_host_.load(std::memory_order_relaxed);
  s.oversize = oversize_.load(std::memory_order_relaxed);
  s.queue_full = queue_full_.load(std::memory_order_relaxed);
  return s;
}

void DatagramInlet::stop() {
  std::lock_guard<std::mutex> lk(stop_mutex_);
  stopping_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
  socket_ = UdpSocket();  // the port is free again (a new inlet may bind it); drain() still works
}

void DatagramInlet::run() noexcept {
  while (!stopping_.load(std::memory_order_relaxed))
    if (socket_.wait_readable(kPollTimeoutMs)) receive_waiting();
}

void DatagramInlet::receive_waiting() noexcept {
  for (int i = 0; i < kBurst; ++i) {
    bool truncated = false;
    const std::ptrdiff_t n = socket_.receive(incoming_.data, sizeof incoming_.data, incoming_.from, truncated);
    if (n < 0) return;  // nothing more waiting
    incoming_.arrival_ns = rt::steady_now_ns();
    received_.fetch_add(1, std::memory_order_relaxed);
    if (truncated) {
      oversize_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const std::uint64_t source = source_.load(std::memory_order_relaxed);
    if ((source & kFilterOn) != 0 &&
        static_cast<std::uint32_t>(source) != static_cast<std::uint32_t>(incoming_.from.addr.sin_addr.s_addr)) {
      foreign_host_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    incoming_.size = static_cast<std::uint32_t>(n);
    if (queue_.try_push(incoming_))
      queued_.fetch_add(1, std::memory_order_relaxed);
    else
      queue_full_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace crowdmesh::netaudio

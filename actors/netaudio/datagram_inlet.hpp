#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "caf/expected.hpp"
#include "netaudio/rtp_packet.hpp"
#include "netaudio/udp_address.hpp"
#include "netaudio/udp_socket.hpp"
#include "rt/spsc_queue.hpp"

namespace crowdmesh::netaudio {

/// Settings of a DatagramInlet.
struct DatagramInletConfig {
  UdpSocketConfig socket;    ///< where it listens (port 0 = ephemeral; a multicast group to join)
  std::size_t slots = 2048;  ///< datagrams the queue holds (rounded up to a power of two, ≥ 2)
};

/// Counters of a DatagramInlet since start(). Every datagram received is
/// counted once more in exactly one of the others:
/// received = queued + foreign_host + oversize + queue_full.
struct DatagramInletStats {
  std::uint64_t received = 0;      ///< datagrams read from the socket
  std::uint64_t queued = 0;        ///< handed to the consumer's queue
  std::uint64_t foreign_host = 0;  ///< dropped: not from the subscribed source host (set_source())
  std::uint64_t oversize = 0;      ///< dropped: longer than kMaxRtpPacketBytes (truncated)
  std::uint64_t queue_full = 0;    ///< dropped: the consumer's queue was full
};

/// The receiving socket of remote playout. A thread of its own ("cm.rtp-recv",
/// normal priority) waits for datagrams (poll, 100 ms at most, so stop() is
/// prompt), stamps each with its arrival time (rt::steady_now_ns) and its
/// sender and copies it into a preallocated rt::SpscQueue of fixed slots of
/// kMaxRtpPacketBytes. The thread that plays the stream takes them with
/// drain() and hands them to its RtpReceiver.
///
/// Thread contract: drain() from one consumer thread (the render thread):
/// wait-free, no allocation, no lock, no system call. set_source(), stats()
/// and local_port() from any thread; start() and stop() are not real-time.
class DatagramInlet {
 public:
  /// Opens the socket (UdpSocket::open()'s errors), allocates the slots and
  /// starts the thread (errc::internal when it cannot start).
  static caf::expected<std::unique_ptr<DatagramInlet>> start(const DatagramInletConfig& config);

  /// stop().
  ~DatagramInlet();
  DatagramInlet(const DatagramInlet&) = delete;
  DatagramInlet& operator=(const DatagramInlet&) = delete;

  /// Any thread: accept only datagrams whose source host (IPv4 address, any
  /// port) is `host`; nullopt = any. Others are counted in foreign_host and
  /// dropped on the network thread. Datagrams already queued stay queued.
  void set_source(std::optional<UdpAddress> host) noexcept;

  /// Consumer (the render thread): calls `f(data, size, arrival_ns)` (const
  /// std::uint8_t*, std::size_t, std::int64_t: rt::steady_now_ns() at
  /// arrival) or, when `f` takes a fourth argument, `f(data, size,
  /// arrival_ns, from)` (const UdpAddress&: the sender) for every queued
  /// datagram in arrival order, freeing its slot; `data` is valid during the
  /// call only. Returns how many. Wait-free, no allocation, no system call
  /// (as long as `f` makes none; it should not throw).
  template <class F>
  std::size_t drain(F&& f) noexcept {
    std::size_t n = 0;
    while (queue_.try_pop(scratch_)) {
      if constexpr (std::is_invocable_v<F&, const std::uint8_t*, std::size_t, std::int64_t, const UdpAddress&>)
        f(static_cast<const std::uint8_t*>(scratch_.data), static_cast<std::size_t>(scratch_.size),
          scratch_.arrival_ns, static_cast<const UdpAddress&>(scratch_.from));
      else
        f(static_cast<const std::uint8_t*>(scratch_.data), static_cast<std::size_t>(scratch_.size),
          scratch_.arrival_ns);
      ++n;
    }
    return n;
  }

  /// The counters now. Any thread.
  DatagramInletStats stats() const noexcept;
  /// The bound local port (the ephemeral one when the config said 0).
  std::uint16_t local_port() const noexcept { return socket_.local_port(); }

  /// Stops the thread (within about 100 ms), joins it and closes the socket
  /// (its port is free again). Idempotent; queued
  /// datagrams can still be drained.
  void stop();

 private:
  struct Slot {  // one datagram; trivially copyable for rt::SpscQueue
    std::int64_t arrival_ns;
    UdpAddress from;
    std::uint32_t size;
    std::uint8_t data[kMaxRtpPacketBytes];
  };

  DatagramInlet(const DatagramInletConfig& config, UdpSocket socket);
  void run() noexcept;
  void receive_waiting() noexcept;

  UdpSocket socket_;
  rt::SpscQueue<Slot> queue_;
  Slot incoming_{};  // network thread: the datagram being received
  Slot scratch_{};   // consumer: the datagram being handed to drain()'s f
  /// Source filter: bit 32 set = filter on, low 32 bits = the IPv4 address (network byte order).
  std::atomic<std::uint64_t> source_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> received_{0}, queued_{0}, foreign_host_{0}, oversize_{0}, queue_full_{0};
  std::thread thread_;
  std::mutex stop_mutex_;  // serialises stop() callers
};

}  // namespace crowdmesh::netaudio

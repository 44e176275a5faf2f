// The receiving thread of remote playout: datagrams reach the consumer in
// order with their arrival time and sender; oversize datagrams, foreign
// hosts and a full queue are dropped and counted; stop() does not wait for
// traffic.
#include "netaudio/datagram_inlet.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "common/error.hpp"
#include "rt/steady_clock.hpp"
#include "wait_until.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::wait_until;

constexpr std::uint32_t kLoopback = 0x7F000001;

DatagramInletConfig loopback_inlet(std::size_t slots = 2048) {
  DatagramInletConfig c;
  c.socket.bind_host = "127.0.0.1";
  c.slots = slots;
  return c;
}

UdpSocket open_sender(const std::string& host = "127.0.0.1") {
  UdpSocketConfig c;
  c.bind_host = host;
  auto s = UdpSocket::open(c);
  return s ? std::move(*s) : UdpSocket();
}

// Every one of `n` datagrams has been read AND queued or dropped: `received`
// counts a datagram before it is queued, so waiting on it alone races with
// the inlet thread (seen under qemu on a busy host: a drain found nothing).
bool accounted(const DatagramInlet& inlet, std::uint64_t n) {
  const DatagramInletStats s = inlet.stats();
  return s.received == n && s.queued + s.queue_full + s.oversize + s.foreign_host == n;
}

struct Received {
  std::vector<std::uint8_t> data;
  std::int64_t arrival_ns;
  UdpAddress from;
};

TEST(DatagramInletTest, QueuesDatagramsInOrderWithArrivalTimeAndSender) {
  auto inlet = DatagramInlet::start(loopback_inlet());
  ASSERT_TRUE(inlet) << error_sentence(inlet.error());
  UdpSocket sender = open_sender();
  ASSERT_TRUE(sender.valid());
  const UdpAddress to = UdpAddress::from_host(kLoopback, (*inlet)->local_port());
  const std::int64_t before = rt::steady_now_ns();
  for (std::uint8_t i = 1; i <= 3; ++i) {
    const std::vector<std::uint8_t> d(100u * i, i);
    ASSERT_TRUE(sender.send_to(d.data(), d.size(), to));
  }
  std::vector<Received> got;
  ASSERT_TRUE(wait_until([&] {
    (*inlet)->drain([&](const std::uint8_t* data, std::size_t size, std::int64_t arrival_ns, const UdpAddress& from) {
      got.push_back({std::vector<std::uint8_t>(data, data + size), arrival_ns, from});
    });
    return got.size() >= 3;
  }));
  const std::int64_t after = rt::steady_now_ns();
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].data, std::vector<std::uint8_t>(100 * (i + 1), static_cast<std::uint8_t>(i + 1)));
    EXPECT_GE(got[i].arrival_ns, before);
    EXPECT_LE(got[i].arrival_ns, after);
    EXPECT_EQ(got[i].from, UdpAddress::from_host(kLoopback, sender.local_port()));
  }
  const DatagramInletStats s = (*inlet)->stats();
  EXPECT_EQ(s.received, 3u);
  EXPECT_EQ(s.queued, 3u);
}

TEST(DatagramInletTest, ADatagramLongerThanAnRtpPacketIsDroppedAndCountedOversize) {
  auto inlet = DatagramInlet::start(loopback_inlet());
  ASSERT_TRUE(inlet);
  UdpSocket sender = open_sender();
  const UdpAddress to = UdpAddress::from_host(kLoopback, (*inlet)->local_port());
  const std::vector<std::uint8_t> big(kMaxRtpPacketBytes + 1, 7), fits(kMaxRtpPacketBytes, 8);
  ASSERT_TRUE(sender.send_to(big.data(), big.size(), to));
  ASSERT_TRUE(sender.send_to(fits.data(), fits.size(), to));
  ASSERT_TRUE(wait_until([&] { return accounted(**inlet, 2); }));
  std::vector<std::size_t> sizes;
  (*inlet)->drain([&](const std::uint8_t*, std::size_t size, std::int64_t) { sizes.push_back(size); });
  EXPECT_EQ(sizes, std::vector<std::size_t>{kMaxRtpPacketBytes});
  EXPECT_EQ((*inlet)->stats().oversize, 1u);
}

TEST(DatagramInletTest, DatagramsFromAnotherHostThanTheSourceAreDroppedAndCounted) {
  UdpSocket other = open_sender("127.0.0.2");
  if (!other.valid()) GTEST_SKIP() << "cannot bind a UDP socket to 127.0.0.2 on this host";
  auto inlet = DatagramInlet::start(loopback_inlet());
  ASSERT_TRUE(inlet);
  UdpSocket source = open_sender();
  (*inlet)->set_source(UdpAddress::from_host(kLoopback, 1));  // the host counts, not the port
  const UdpAddress to = UdpAddress::from_host(kLoopback, (*inlet)->local_port());
  const std::uint8_t foreign[4] = {1, 2, 3, 4}, mine[4] = {5, 6, 7, 8};
  ASSERT_TRUE(other.send_to(foreign, sizeof foreign, to));
  ASSERT_TRUE(source.send_to(mine, sizeof mine, to));
  ASSERT_TRUE(wait_until([&] { return accounted(**inlet, 2); }));
  std::vector<std::uint8_t> first;
  EXPECT_EQ((*inlet)->drain([&](const std::uint8_t* d, std::size_t, std::int64_t) { first.assign(d, d + 4); }), 1u);
  EXPECT_EQ(first, std::vector<std::uint8_t>(mine, mine + 4));
  EXPECT_EQ((*inlet)->stats().foreign_host, 1u);

  (*inlet)->set_source(std::nullopt);  // any host again
  ASSERT_TRUE(other.send_to(foreign, sizeof foreign, to));
  ASSERT_TRUE(wait_until([&] { return accounted(**inlet, 3); }));
  EXPECT_EQ((*inlet)->drain([](const std::uint8_t*, std::size_t, std::int64_t) {}), 1u);
  EXPECT_EQ((*inlet)->stats().foreign_host, 1u);
}

TEST(DatagramInletTest, AFullQueueDropsAndCountsWhatDoesNotFit) {
  auto inlet = DatagramInlet::start(loopback_inlet(2));
  ASSERT_TRUE(inlet);
  UdpSocket sender = open_sender();
  const UdpAddress to = UdpAddress::from_host(kLoopback, (*inlet)->local_port());
  for (std::uint8_t i = 0; i < 5; ++i) ASSERT_TRUE(sender.send_to(&i, 1, to));
  ASSERT_TRUE(wait_until([&] { return accounted(**inlet, 5); }));
  std::vector<std::uint8_t> got;
  (*inlet)->drain([&](const std::uint8_t* d, std::size_t, std::int64_t) { got.push_back(d[0]); });
  EXPECT_EQ(got, (std::vector<std::uint8_t>{0, 1})) << "the first two waited, the rest found the queue full";
  const DatagramInletStats s = (*inlet)->stats();
  EXPECT_EQ(s.queued, 2u);
  EXPECT_EQ(s.queue_full, 3u);
  EXPECT_EQ(s.received, s.queued + s.queue_full + s.oversize + s.foreign_host);
}

TEST(DatagramInletTest, StopReturnsPromptlyWithoutTraffic) {
  auto inlet = DatagramInlet::start(loopback_inlet());
  ASSERT_TRUE(inlet);
  const auto t0 = std::chrono::steady_clock::now();
  (*inlet)->stop();
  (*inlet)->stop();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "stop() waits one poll timeout at most";
}

TEST(DatagramInletTest, APortInUseIsRefusedWithTheSocketError) {
  auto first = DatagramInlet::start(loopback_inlet());
  ASSERT_TRUE(first);
  DatagramInletConfig c = loopback_inlet();
  c.socket.port = (*first)->local_port();
  auto second = DatagramInlet::start(c);
  ASSERT_FALSE(second);
  EXPECT_EQ(error_code(second.error()), errc::io_error);
}

}  // namespace
}  // namespace crowdmesh::netaudio

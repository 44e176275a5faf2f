// Non-blocking UDP sockets over loopback: datagrams and their senders,
// truncation, port conflicts, multicast to oneself.
#include "netaudio/udp_socket.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

UdpSocketConfig loopback(std::uint16_t port = 0) {
  UdpSocketConfig c;
  c.bind_host = "127.0.0.1";
  c.port = port;
  return c;
}

std::vector<std::uint8_t> bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), std::uint8_t{1});
  return v;
}

TEST(UdpSocketTest, SendsADatagramAndReceivesItWithItsSender) {
  auto a = UdpSocket::open(loopback());
  auto b = UdpSocket::open(loopback());
  ASSERT_TRUE(a && b);
  ASSERT_NE(b->local_port(), 0);
  const auto sent = bytes(300);
  ASSERT_TRUE(a->send_to(sent.data(), sent.size(), UdpAddress::from_host(0x7F000001, b->local_port())));
  ASSERT_TRUE(b->wait_readable(5000));
  std::vector<std::uint8_t> buf(1472);
  UdpAddress from;
  bool truncated = true;
  const auto n = b->receive(buf.data(), buf.size(), from, truncated);
  ASSERT_EQ(n, 300);
  EXPECT_FALSE(truncated);
  EXPECT_TRUE(std::equal(sent.begin(), sent.end(), buf.begin()));
  EXPECT_EQ(from, UdpAddress::from_host(0x7F000001, a->local_port()));
}

TEST(UdpSocketTest, ReceiveReturnsMinusOneWhenNothingIsWaiting) {
  auto a = UdpSocket::open(loopback());
  ASSERT_TRUE(a);
  std::uint8_t buf[16];
  UdpAddress from;
  bool truncated = false;
  EXPECT_EQ(a->receive(buf, sizeof buf, from, truncated), -1);
  EXPECT_FALSE(a->wait_readable(0));
}

TEST(UdpSocketTest, ADatagramLargerThanTheBufferIsReportedTruncated) {
  auto a = UdpSocket::open(loopback());
  auto b = UdpSocket::open(loopback());
  ASSERT_TRUE(a && b);
  const auto sent = bytes(2000);
  ASSERT_TRUE(a->send_to(sent.data(), sent.size(), UdpAddress::from_host(0x7F000001, b->local_port())));
  ASSERT_TRUE(b->wait_readable(5000));
  std::vector<std::uint8_t> buf(1472);
  UdpAddress from;
  bool truncated = false;
  EXPECT_EQ(b->receive(buf.data(), buf.size(), from, truncated), 1472);
  EXPECT_TRUE(truncated);
}

TEST(UdpSocketTest, BindingAPortInUseNamesTheAddressAndTheReason) {
  auto a = UdpSocket::open(loopback());
  ASSERT_TRUE(a);
  auto b = UdpSocket::open(loopback(a->local_port()));
  ASSERT_FALSE(b);
  EXPECT_EQ(error_code(b.error()), errc::io_error);
  const std::string why = error_sentence(b.error());
  EXPECT_NE(why.find("127.0.0.1:" + std::to_string(a->local_port())), std::string::npos) << why;
  EXPECT_NE(why.find(std::strerror(EADDRINUSE)), std::string::npos) << why;
}

TEST(UdpSocketTest, ABadConfigIsRefusedNamingTheValue) {
  UdpSocketConfig c = loopback();
  c.multicast_ttl = 300;
  auto a = UdpSocket::open(c);
  ASSERT_FALSE(a);
  EXPECT_NE(error_sentence(a.error()).find("300"), std::string::npos);
  c = loopback();
  c.multicast_group = UdpAddress::from_host(0x0A000001, 5004);
  auto b = UdpSocket::open(c);
  ASSERT_FALSE(b);
  EXPECT_NE(error_sentence(b.error()).find("10.0.0.1:5004"), std::string::npos) << error_sentence(b.error());
}

TEST(UdpSocketTest, AMovedSocketKeepsItsPortAndTheSourceIsEmptied) {
  auto a = UdpSocket::open(loopback());
  ASSERT_TRUE(a);
  const std::uint16_t port = a->local_port();
  UdpSocket moved = std::move(*a);
  EXPECT_EQ(moved.local_port(), port);
  EXPECT_TRUE(moved.valid());
  EXPECT_FALSE(a->valid());
}

TEST(UdpSocketTest, ReceivesItsOwnMulticastOnLoopback) {
  UdpSocketConfig c;
  c.bind_host = "0.0.0.0";
  c.multicast_group = UdpAddress::from_host(0xEFFF4D17, 0);  // 239.255.77.23
  c.multicast_interface = "127.0.0.1";
  auto receiver = UdpSocket::open(c);
  if (!receiver) GTEST_SKIP() << "this host cannot join a multicast group on lo: " << error_sentence(receiver.error());
  const auto sent = bytes(200);
  const UdpAddress group = UdpAddress::from_host(0xEFFF4D17, receiver->local_port());
  if (!receiver->send_to(sent.data(), sent.size(), group))
    GTEST_SKIP() << "this host cannot send multicast on lo: " << std::strerror(errno);
  if (!receiver->wait_readable(5000)) GTEST_SKIP() << "no multicast route on lo: nothing looped back in 5 s";
  std::vector<std::uint8_t> buf(1472);
  UdpAddress from;
  bool truncated = false;
  ASSERT_EQ(receiver->receive(buf.data(), buf.size(), from, truncated), 200);
  EXPECT_TRUE(std::equal(sent.begin(), sent.end(), buf.begin()));
  EXPECT_EQ(from.port(), receiver->local_port());
}

}  // namespace
}  // namespace crowdmesh::netaudio

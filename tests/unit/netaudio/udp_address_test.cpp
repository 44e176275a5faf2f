// IPv4 UDP addresses: "host:port" and "host" parsing, name resolution, the
// errors an operator sees, and the comparisons.
#include "netaudio/udp_address.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

TEST(UdpAddressTest, ParsesADottedHostAndPort) {
  auto a = parse_udp_address("192.168.1.20:5004");
  ASSERT_TRUE(a) << error_sentence(a.error());
  EXPECT_EQ(a->host(), 0xC0A80114u);
  EXPECT_EQ(a->port(), 5004);
  EXPECT_EQ(to_string(*a), "192.168.1.20:5004");
}

TEST(UdpAddressTest, AHostAloneTakesTheDefaultPort) {
  auto a = parse_udp_address("10.0.0.1", 5004);
  ASSERT_TRUE(a) << error_sentence(a.error());
  EXPECT_EQ(to_string(*a), "10.0.0.1:5004");
}

TEST(UdpAddressTest, ResolvesLocalhostToAnIpv4LoopbackAddress) {
  auto a = parse_udp_address("localhost:6000");
  ASSERT_TRUE(a) << error_sentence(a.error());
  EXPECT_EQ(a->host() >> 24, 127u);
  EXPECT_EQ(a->port(), 6000);
}

TEST(UdpAddressTest, APortOutOfRangeIsRefusedNamingTheValueAndTheRange) {
  auto a = parse_udp_address("room:99999");
  ASSERT_FALSE(a);
  EXPECT_EQ(error_code(a.error()), errc::value_out_of_range);
  const std::string why = error_sentence(a.error());
  EXPECT_NE(why.find("99999"), std::string::npos) << why;
  EXPECT_NE(why.find("1..65535"), std::string::npos) << why;
}

TEST(UdpAddressTest, APortThatIsNotANumberIsRefused) {
  for (const char* text : {"10.0.0.1:abc", "10.0.0.1:", "10.0.0.1:12x", "10.0.0.1:0"}) {
    auto a = parse_udp_address(text);
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(error_code(a.error()), errc::value_out_of_range) << text;
    EXPECT_NE(error_sentence(a.error()).find(text), std::string::npos) << error_sentence(a.error());
  }
}

TEST(UdpAddressTest, Ipv6IsRefusedWithASentenceSayingIpv4Only) {
  for (const char* text : {"[::1]:5004", "fe80::1", "::1"}) {
    auto a = parse_udp_address(text, 5004);
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(error_code(a.error()), errc::value_out_of_range);
    const std::string why = error_sentence(a.error());
    EXPECT_NE(why.find("IPv6"), std::string::npos) << why;
    EXPECT_NE(why.find("IPv4 only"), std::string::npos) << why;
  }
}

TEST(UdpAddressTest, AnEmptyHostIsRefused) {
  EXPECT_FALSE(parse_udp_address(":5004"));
  EXPECT_FALSE(parse_udp_address(""));
}

TEST(UdpAddressTest, AnUnknownHostIsAnIoErrorNamingTheHost) {
  auto a = parse_udp_address("no-such-host.invalid:5004");
  ASSERT_FALSE(a);
  EXPECT_EQ(error_code(a.error()), errc::io_error);
  EXPECT_NE(error_sentence(a.error()).find("no-such-host.invalid"), std::string::npos) << error_sentence(a.error());
}

TEST(UdpAddressTest, TellsMulticastGroupsAndHostsApart) {
  EXPECT_TRUE(parse_udp_address("239.255.1.2:5004")->is_multicast());
  EXPECT_TRUE(parse_udp_address("224.0.0.1")->is_multicast());
  EXPECT_FALSE(parse_udp_address("192.168.1.2")->is_multicast());
  const UdpAddress a = UdpAddress::from_host(0x7F000001, 1000);
  const UdpAddress b = UdpAddress::from_host(0x7F000001, 2000);
  EXPECT_TRUE(a.same_host(b));
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a, *parse_udp_address("127.0.0.1:1000"));
  EXPECT_FALSE(a.same_host(UdpAddress::from_host(0x7F000002, 1000)));
}

}  // namespace
}  // namespace crowdmesh::netaudio

#include "netaudio/sdp.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::netaudio {
namespace {

SdpStream unicast() {
  SdpStream s;
  s.origin_address = "192.168.1.20";
  s.session_id = 42;
  s.session_version = 3;
  s.address = "192.168.1.30";
  s.port = 5004;
  s.format.payload_type = 96;
  s.format.repair_payload_type = -1;
  s.ptime_ms = 2.0;
  return s;
}

TEST(SdpTest, UnicastL24StreamWithoutFec) {
  const auto sdp = make_sdp(unicast());
  ASSERT_TRUE(sdp) << error_sentence(sdp.error());
  EXPECT_EQ(*sdp,
            "v=0\r\n"
            "o=- 42 3 IN IP4 192.168.1.20\r\n"
            "s=Crowdmesh\r\n"
            "c=IN IP4 192.168.1.30\r\n"
            "t=0 0\r\n"
            "m=audio 5004 RTP/AVP 96\r\n"
            "a=rtpmap:96 L24/48000/2\r\n"
            "a=ptime:2\r\n");
}

TEST(SdpTest, MulticastL16MonoCarriesTheTtl) {
  SdpStream s = unicast();
  s.address = "239.255.12.1";
  s.ttl = 4;
  s.format.encoding = PcmEncoding::l16;
  s.format.channels = 1;
  s.format.sample_rate_hz = 44100;
  s.format.payload_type = 100;
  s.ptime_ms = 2.5;
  const auto sdp = make_sdp(s);
  ASSERT_TRUE(sdp);
  EXPECT_NE(sdp->find("c=IN IP4 239.255.12.1/4\r\n"), std::string::npos) << *sdp;
  EXPECT_NE(sdp->find("m=audio 5004 RTP/AVP 100\r\na=rtpmap:100 L16/44100/1\r\na=ptime:2.5\r\n"), std::string::npos)
      << *sdp;
}

TEST(SdpTest, OpusIsAlways48000Over2WithStereoInFmtp) {
  SdpStream s = unicast();
  s.format.encoding = PcmEncoding::opus;
  s.ptime_ms = 10;
  auto sdp = make_sdp(s);
  ASSERT_TRUE(sdp);
  EXPECT_NE(sdp->find("m=audio 5004 RTP/AVP 96\r\n"
                      "a=rtpmap:96 opus/48000/2\r\n"
                      "a=fmtp:96 stereo=1; sprop-stereo=1\r\n"
                      "a=ptime:10\r\n"),
            std::string::npos)
      << *sdp;
  s.format.channels = 1;
  sdp = make_sdp(s);
  ASSERT_TRUE(sdp);
  EXPECT_NE(sdp->find("a=rtpmap:96 opus/48000/2\r\na=ptime:10\r\n"), std::string::npos) << "mono: still /2, no fmtp";
  s.format.sample_rate_hz = 44100;
  sdp = make_sdp(s);
  ASSERT_FALSE(sdp);
  EXPECT_EQ(error_code(sdp.error()), errc::unsupported_format);
  EXPECT_NE(error_sentence(sdp.error()).find("44100 Hz"), std::string::npos) << error_sentence(sdp.error());
}

TEST(SdpTest, FecAddsARepairMediaLine) {
  SdpStream s = unicast();
  s.format.repair_payload_type = 97;
  s.repair_port = 5006;
  const auto sdp = make_sdp(s);
  ASSERT_TRUE(sdp);
  EXPECT_NE(sdp->find("a=ptime:2\r\n"
                      "m=application 5006 RTP/AVP 97\r\n"
                      "a=rtpmap:97 x-crowdmesh-rs/48000\r\n"
                      "a=fmtp:97 k=24;m=24\r\n"),
            std::string::npos)
      << *sdp;
  s.repair_port = 0;  // no repair port: nothing about FEC
  EXPECT_EQ(make_sdp(s)->find("m=application"), std::string::npos);
}

TEST(SdpTest, MulticastRangeIsRecognised) {
  EXPECT_TRUE(is_ipv4_multicast("224.0.0.1"));
  EXPECT_TRUE(is_ipv4_multicast("239.255.255.255"));
  EXPECT_FALSE(is_ipv4_multicast("223.255.255.255"));
  EXPECT_FALSE(is_ipv4_multicast("240.0.0.1"));
  EXPECT_FALSE(is_ipv4_multicast("239.1.1"));
  EXPECT_FALSE(is_ipv4_multicast("239.1.1.1x"));
}

TEST(SdpTest, BadValuesAreRefusedNamingTheField) {
  auto refused = [](SdpStream s, const std::string& field) {
    const auto sdp = make_sdp(s);
    ASSERT_FALSE(sdp) << field;
    EXPECT_EQ(error_code(sdp.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(sdp.error()).find(field), std::string::npos) << error_sentence(sdp.error());
  };
  SdpStream s = unicast();
  s.address = "room-b.local";
  refused(s, "address");
  s = unicast();
  s.address = "10.0.0.256";
  refused(s, "address");
  s = unicast();
  s.address = "-1.0.0.1";
  refused(s, "address");
  s = unicast();
  s.origin_address = "";
  refused(s, "origin address");
  s = unicast();
  s.port = 0;
  refused(s, "port");
  s = unicast();
  s.ttl = 256;
  refused(s, "ttl");
  s = unicast();
  s.format.payload_type = 128;
  refused(s, "payload type");
  s = unicast();
  s.format.channels = 0;
  refused(s, "channels");
  s = unicast();
  s.format.sample_rate_hz = 0;
  refused(s, "sample rate");
  s = unicast();
  s.ptime_ms = 0.0;
  refused(s, "ptime");
  s = unicast();
  s.session_name = "two\r\nlines";
  refused(s, "session name");
}

}  // namespace
}  // namespace crowdmesh::netaudio

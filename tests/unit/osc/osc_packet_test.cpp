#include "osc/osc_packet.hpp"

#include <gtest/gtest.h>
#include <lo/lo.h>

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace crowdmesh::osc {
namespace {

std::vector<char> serialise(const char* path, lo_message m) {
  std::size_t size = lo_message_length(m, path);
  std::vector<char> bytes(size);
  lo_message_serialise(m, path, bytes.data(), &size);
  lo_message_free(m);
  return bytes;
}

std::vector<char> bundle_of(const std::vector<std::vector<char>>& elements) {
  std::vector<char> out{'#', 'b', 'u', 'n', 'd', 'l', 'e', '\0', 0, 0, 0, 0, 0, 0, 0, 1};
  for (const auto& e : elements) {
    const std::uint32_t n = htonl(static_cast<std::uint32_t>(e.size()));
    const char* p = reinterpret_cast<const char*>(&n);
    out.insert(out.end(), p, p + 4);
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

std::vector<OscElement> decode(const std::vector<char>& bytes) {
  std::vector<OscElement> out;
  decode_osc_packet(bytes.data(), bytes.size(), [&](OscElement&& e) { out.push_back(std::move(e)); });
  return out;
}

std::vector<char> stem_volume() {
  lo_message m = lo_message_new();
  lo_message_add_int32(m, 100);
  lo_message_add_float(m, 0.5f);
  lo_message_add_true(m);
  lo_message_add_string(m, "A");
  return serialise("/stem_volume", m);
}

TEST(OscPacket, MessageArgumentsAreDecodedAsMapOscWantsThem) {
  auto elements = decode(stem_volume());
  ASSERT_EQ(elements.size(), 1u);
  const auto& e = elements[0];
  EXPECT_TRUE(e.ok());
  EXPECT_EQ(e.address, "/stem_volume");
  ASSERT_EQ(e.args.size(), 4u);
  EXPECT_EQ(e.args[0].type, 'i');
  EXPECT_EQ(e.args[0].number, 100);
  EXPECT_EQ(e.args[1].type, 'f');
  EXPECT_EQ(e.args[1].number, 0.5);
  EXPECT_EQ(e.args[2].type, 'i');  // T becomes i 1
  EXPECT_EQ(e.args[2].number, 1);
  EXPECT_EQ(e.args[3].type, 's');
  EXPECT_EQ(e.args[3].text, "A");
}

TEST(OscPacket, BundleElementsComeInOrderAndNestedBundlesAreUnpacked) {
  lo_message m = lo_message_new();
  auto status = serialise("/get_status", m);
  auto elements = decode(bundle_of({stem_volume(), bundle_of({status})}));
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_EQ(elements[0].address, "/stem_volume");
  EXPECT_EQ(elements[1].address, "/get_status");
  EXPECT_TRUE(elements[1].ok());
}

TEST(OscPacket, OverrunningBundleYieldsItsEarlierElementsThenOneError) {
  auto bytes = bundle_of({stem_volume(), stem_volume()});
  bytes.resize(bytes.size() - 4);  // the second element now claims 4 bytes too many
  auto elements = decode(bytes);
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_TRUE(elements[0].ok());
  EXPECT_EQ(elements[1].address, "#bundle");
  EXPECT_NE(elements[1].error.find("overruns the packet"), std::string::npos);
}

TEST(OscPacket, BundlesNestedTooDeepAreMalformed) {
  lo_message m = lo_message_new();
  auto bytes = serialise("/reset", m);
  for (int i = 0; i <= kMaxBundleDepth; ++i) bytes = bundle_of({bytes});
  auto elements = decode(bytes);
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(elements[0].address, "#bundle");
  EXPECT_NE(elements[0].error.find("deeper than 8"), std::string::npos);
}

TEST(OscPacket, GarbageIsOneMalformedElementWithoutAddress) {
  const std::vector<char> bytes{'x', 'y', 'z'};
  auto elements = decode(bytes);
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(elements[0].address, "");
  EXPECT_NE(elements[0].error.find("malformed OSC packet (3 bytes"), std::string::npos);
}

}  // namespace
}  // namespace crowdmesh::osc

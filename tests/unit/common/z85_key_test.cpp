#include "common/z85_key.hpp"

#include <gtest/gtest.h>

namespace crowdmesh {
namespace {

TEST(Z85KeyTest, EncodesTheRfc32TestVector) {
  // RFC 32: 86 4F D2 6F B5 59 F7 5B encodes as "HelloWorld"; zero bytes as "0".
  std::array<std::uint8_t, 32> key{};
  const std::uint8_t hello[] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
  for (std::size_t i = 0; i < 8; ++i) key[i] = hello[i];
  EXPECT_EQ(encode_z85_key(key), "HelloWorld" + std::string(30, '0'));
  auto back = decode_z85_key("HelloWorld" + std::string(30, '0'));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, key);
}

TEST(Z85KeyTest, DecodesAndReencodesARealKey) {
  const std::string key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";  // libzmq's documented server key
  auto bytes = decode_z85_key(key);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(encode_z85_key(*bytes), key);
  EXPECT_EQ(z85_key_problem(key), "");
}

TEST(Z85KeyTest, RefusesWrongLengthForeignCharactersAndOverflow) {
  EXPECT_FALSE(decode_z85_key("abc"));
  EXPECT_NE(z85_key_problem("abc").find("has 3 characters"), std::string::npos);
  EXPECT_FALSE(decode_z85_key(std::string(39, 'a') + "\""));
  EXPECT_NE(z85_key_problem(std::string(39, 'a') + "\"").find("'\"'"), std::string::npos);
  // "#####" is 84·(85⁴+85³+85²+85+1) > 2³² − 1.
  EXPECT_FALSE(decode_z85_key("#####" + std::string(35, '0')));
  EXPECT_NE(z85_key_problem("#####" + std::string(35, '0')).find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace crowdmesh

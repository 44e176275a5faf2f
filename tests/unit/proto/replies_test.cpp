#include "crowdmesh/v1/replies.pb.h"

#include "common/deck.hpp"
#include "common/errc.hpp"
#include "crowdmesh/v1/types.pb.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace crowdmesh::v1 {
namespace {

constexpr int as_int(crowdmesh::errc code) { return static_cast<int>(code); }

// Compile-time: every C++ error code has the same number on the wire.
static_assert(as_int(errc::file_not_found) == ERROR_CODE_FILE_NOT_FOUND);
static_assert(as_int(errc::unreadable_file) == ERROR_CODE_UNREADABLE_FILE);
static_assert(as_int(errc::unsupported_format) == ERROR_CODE_UNSUPPORTED_FORMAT);
static_assert(as_int(errc::unsupported_channels) == ERROR_CODE_UNSUPPORTED_CHANNELS);
static_assert(as_int(errc::unknown_deck) == ERROR_CODE_UNKNOWN_DECK);
static_assert(as_int(errc::unknown_buffer) == ERROR_CODE_UNKNOWN_BUFFER);
static_assert(as_int(errc::value_out_of_range) == ERROR_CODE_VALUE_OUT_OF_RANGE);
static_assert(as_int(errc::not_ready) == ERROR_CODE_NOT_READY);
static_assert(as_int(errc::device_not_found) == ERROR_CODE_DEVICE_NOT_FOUND);
static_assert(as_int(errc::device_error) == ERROR_CODE_DEVICE_ERROR);
static_assert(as_int(errc::timeout) == ERROR_CODE_TIMEOUT);
static_assert(as_int(errc::io_error) == ERROR_CODE_IO_ERROR);
static_assert(as_int(errc::internal) == ERROR_CODE_INTERNAL);
static_assert(as_int(errc::not_allowed) == ERROR_CODE_NOT_ALLOWED);

// Wire-only codes live at 32 and up so errc can grow without a clash.
constexpr int kFirstWireOnlyCode = 32;

std::string to_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(ErrorCodeTest, EveryErrcHasTheSameNumberAndNameOnTheWire) {
  int mirrored = 0;
  for (int c = 1; c < kFirstWireOnlyCode; ++c) {
    const std::string cpp_name = to_string(static_cast<crowdmesh::errc>(c));
    if (cpp_name == "unknown_error") {
      // No C++ code with this number: the wire must not define one either.
      EXPECT_FALSE(ErrorCode_IsValid(c)) << "wire code " << c << " has no crowdmesh::errc";
      continue;
    }
    ++mirrored;
    ASSERT_TRUE(ErrorCode_IsValid(c)) << "crowdmesh::errc::" << cpp_name << " (" << c
                                      << ") is missing from crowdmesh.v1.ErrorCode";
    EXPECT_EQ(ErrorCode_Name(static_cast<ErrorCode>(c)), "ERROR_CODE_" + to_upper(cpp_name));
  }
  EXPECT_EQ(mirrored, as_int(errc::not_allowed));  // the last errc
}

TEST(ErrorCodeTest, WireOnlyCodesStartAtThirtyTwo) {
  EXPECT_EQ(ERROR_CODE_UNSPECIFIED, 0);
  EXPECT_EQ(ERROR_CODE_UNKNOWN_NODE, 32);
  EXPECT_EQ(ERROR_CODE_VERSION_MISMATCH, 33);
  EXPECT_EQ(ERROR_CODE_MALFORMED_MESSAGE, 34);
  EXPECT_EQ(ERROR_CODE_MESSAGE_TOO_LARGE, 35);
  EXPECT_EQ(ERROR_CODE_UNKNOWN_PAYLOAD, 36);
  EXPECT_EQ(ErrorCode_MAX, ERROR_CODE_UNKNOWN_PAYLOAD);
}

TEST(ErrorCodeTest, ErrorReplyRoundTripsCodeAndSentence) {
  Reply reply;
  reply.mutable_error()->set_code(ERROR_CODE_FILE_NOT_FOUND);
  reply.mutable_error()->set_message("file not found: /srv/music/nope.wav");
  Reply got;
  ASSERT_TRUE(got.ParseFromString(reply.SerializeAsString()));
  ASSERT_EQ(got.result_case(), Reply::kError);
  EXPECT_EQ(got.error().code(), ERROR_CODE_FILE_NOT_FOUND);
  EXPECT_EQ(got.error().message(), "file not found: /srv/music/nope.wav");
}

TEST(DeckEnumTest, WireDeckIsDeckIdIndexPlusOne) {
  for (DeckId id : kAllDecks) {
    const auto wire = static_cast<Deck>(index_of(id) + 1);
    ASSERT_TRUE(Deck_IsValid(wire));
    EXPECT_EQ(Deck_Name(wire), "DECK_" + to_string(id));
  }
  EXPECT_EQ(Deck_MAX, DECK_D);
}

}  // namespace
}  // namespace crowdmesh::v1

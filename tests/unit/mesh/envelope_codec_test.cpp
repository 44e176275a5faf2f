#include "mesh/envelope_codec.hpp"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace crowdmesh::mesh {
namespace {

using crowdmesh::v1::Envelope;
using crowdmesh::v1::ErrorCode;

Envelope make_command() {
  Envelope env;
  env.set_protocol_version(kProtocolVersion);
  env.set_source("ctl-test/cli");
  env.set_target("room-b/mixer");
  env.set_correlation_id(42);
  env.set_send_time_ns(123'456'789);
  env.set_execute_at_ns(987'654'321);
  auto* gain = env.mutable_command()->mutable_set_master_gain();
  gain->set_gain_db(-6.0);
  gain->set_ramp_seconds(0.5);
  return env;
}

const WireError& expect_error(const std::variant<Envelope, WireError>& r, ErrorCode code) {
  EXPECT_TRUE(std::holds_alternative<WireError>(r));
  static const WireError kNone{};
  if (!std::holds_alternative<WireError>(r)) return kNone;
  const auto& e = std::get<WireError>(r);
  EXPECT_EQ(e.code, code) << e.message;
  return e;
}

TEST(EnvelopeCodecTest, RoundTripKeepsEveryField) {
  const Envelope in = make_command();
  const std::string bytes = encode_envelope(in);
  auto out = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  ASSERT_TRUE(std::holds_alternative<Envelope>(out)) << std::get<WireError>(out).message;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(in, std::get<Envelope>(out)));
}

TEST(EnvelopeCodecTest, OversizedFrameIsRejectedWithTheLimit) {
  const std::string bytes(2000, 'x');
  auto r = decode_envelope(bytes.data(), bytes.size(), 1000);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE);
  EXPECT_EQ(e.message, "message of 2000 bytes exceeds the limit of 1000 bytes");
  EXPECT_EQ(e.correlation_id, 0u);
}

TEST(EnvelopeCodecTest, AnAddressLongerThanTheLimitIsMalformedAndNotEchoed) {
  Envelope in = make_command();
  in.set_source(std::string(kMaxAddressBytes + 1, 's'));
  std::string bytes = encode_envelope(in);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE);
  EXPECT_EQ(e.message, "source address of 257 bytes exceeds the limit of 256 bytes");
  EXPECT_EQ(e.source, "");
  in = make_command();
  in.set_target("room-b/" + std::string(kMaxAddressBytes, 't'));
  bytes = encode_envelope(in);
  auto t = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  expect_error(t, crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE);
  in = make_command();
  in.set_source(std::string(kMaxAddressBytes, 's'));
  bytes = encode_envelope(in);
  EXPECT_TRUE(std::holds_alternative<Envelope>(decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes)))
      << "an address of exactly the limit is accepted";
}

TEST(EnvelopeCodecTest, FrameExactlyAtTheLimitIsAccepted) {
  const std::string bytes = encode_envelope(make_command());
  auto r = decode_envelope(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(std::holds_alternative<Envelope>(r));
}

TEST(EnvelopeCodecTest, RandomBytesAreMalformed) {
  // 0xFF.. is an invalid tag (wire type 7) whatever follows.
  std::mt19937 rng(7);
  std::string bytes(64, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  bytes[0] = static_cast<char>(0xFF);
  bytes[1] = static_cast<char>(0xFF);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE);
  EXPECT_NE(e.message.find("64 bytes"), std::string::npos) << e.message;
  EXPECT_EQ(e.correlation_id, 0u);
}

TEST(EnvelopeCodecTest, TruncatedFrameIsMalformed) {
  std::string bytes = encode_envelope(make_command());
  bytes.resize(bytes.size() - 3);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  expect_error(r, crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE);
}

TEST(EnvelopeCodecTest, Version2IsAVersionMismatchWithTheCorrelationId) {
  Envelope env = make_command();
  env.set_protocol_version(2);
  const std::string bytes = encode_envelope(env);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH);
  EXPECT_EQ(e.message, "protocol version 2 is not supported (this node speaks 1)");
  EXPECT_EQ(e.correlation_id, 42u);
  EXPECT_EQ(e.source, "ctl-test/cli");
}

TEST(EnvelopeCodecTest, MissingVersionIsAVersionMismatch) {
  Envelope env = make_command();
  env.clear_protocol_version();
  const std::string bytes = encode_envelope(env);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH);
  EXPECT_NE(e.message.find("protocol version 0"), std::string::npos);
}

TEST(EnvelopeCodecTest, NoPayloadIsUnknownPayload) {
  Envelope env = make_command();
  env.clear_payload();
  const std::string bytes = encode_envelope(env);
  auto r = decode_envelope(bytes.data(), bytes.size(), kDefaultMaxMessageBytes);
  const auto& e = expect_error(r, crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD);
  EXPECT_EQ(e.correlation_id, 42u);
}

TEST(EnvelopeCodecTest, EmptyFrameIsAVersionMismatch) {
  // Zero bytes parse as an all-default Envelope: version 0.
  auto r = decode_envelope("", 0, kDefaultMaxMessageBytes);
  expect_error(r, crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH);
}

TEST(EnvelopeCodecTest, ErrorReplyGoesBackToTheRequestSource) {
  const Envelope req = make_command();
  const Envelope out =
      make_error_reply(req, "room-b/mixer", crowdmesh::v1::ERROR_CODE_UNKNOWN_DECK, "deck E is not A-D");
  EXPECT_EQ(out.protocol_version(), kProtocolVersion);
  EXPECT_EQ(out.source(), "room-b/mixer");
  EXPECT_EQ(out.target(), "ctl-test/cli");
  EXPECT_EQ(out.correlation_id(), 42u);
  EXPECT_GT(out.send_time_ns(), 0);
  ASSERT_TRUE(out.reply().has_error());
  EXPECT_EQ(out.reply().error().code(), crowdmesh::v1::ERROR_CODE_UNKNOWN_DECK);
  EXPECT_EQ(out.reply().error().message(), "deck E is not A-D");
}

}  // namespace
}  // namespace crowdmesh::mesh

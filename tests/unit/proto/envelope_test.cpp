#include "crowdmesh/v1/envelope.pb.h"

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace crowdmesh::v1 {
namespace {

using google::protobuf::util::MessageDifferencer;

Envelope make_load_buffer_envelope() {
  Envelope env;
  env.set_protocol_version(1);
  env.set_source("ctl-laptop/cli");
  env.set_target("room1/mixer");
  env.set_correlation_id(0xFEEDFACECAFEBEEFull);
  env.set_send_time_ns(1'234'567'890'123'456'789LL);
  env.set_execute_at_ns(1'234'567'891'000'000'000LL);
  LoadBuffer* load = env.mutable_command()->mutable_load_buffer();
  load->set_deck(DECK_C);
  load->set_buffer_id(7);
  load->set_path("/srv/music/stems/drums — ünïcode.flac");
  load->set_native_bpm(123.5);
  load->set_loop(true);
  return env;
}

// Appends a varint to a serialized message.
void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

TEST(EnvelopeTest, LoadBufferCommandRoundTripsEveryField) {
  const Envelope sent = make_load_buffer_envelope();
  std::string wire;
  ASSERT_TRUE(sent.SerializeToString(&wire));

  Envelope got;
  ASSERT_TRUE(got.ParseFromString(wire));
  EXPECT_EQ(got.protocol_version(), 1u);
  EXPECT_EQ(got.source(), "ctl-laptop/cli");
  EXPECT_EQ(got.target(), "room1/mixer");
  EXPECT_EQ(got.correlation_id(), 0xFEEDFACECAFEBEEFull);
  EXPECT_EQ(got.send_time_ns(), 1'234'567'890'123'456'789LL);
  ASSERT_TRUE(got.has_execute_at_ns());
  EXPECT_EQ(got.execute_at_ns(), 1'234'567'891'000'000'000LL);
  ASSERT_EQ(got.payload_case(), Envelope::kCommand);
  ASSERT_EQ(got.command().command_case(), Command::kLoadBuffer);
  const LoadBuffer& load = got.command().load_buffer();
  EXPECT_EQ(load.deck(), DECK_C);
  EXPECT_EQ(load.buffer_id(), 7u);
  EXPECT_EQ(load.path(), "/srv/music/stems/drums — ünïcode.flac");
  ASSERT_TRUE(load.has_native_bpm());
  EXPECT_EQ(load.native_bpm(), 123.5);
  EXPECT_TRUE(load.loop());
  EXPECT_TRUE(MessageDifferencer::Equals(sent, got));
}

TEST(EnvelopeTest, AbsentExecuteAtDiffersFromZero) {
  Envelope now = make_load_buffer_envelope();
  now.clear_execute_at_ns();
  Envelope at_zero = now;
  at_zero.set_execute_at_ns(0);

  Envelope got_now;
  Envelope got_zero;
  ASSERT_TRUE(got_now.ParseFromString(now.SerializeAsString()));
  ASSERT_TRUE(got_zero.ParseFromString(at_zero.SerializeAsString()));
  EXPECT_FALSE(got_now.has_execute_at_ns());
  EXPECT_TRUE(got_zero.has_execute_at_ns());
  EXPECT_EQ(got_zero.execute_at_ns(), 0);
}

TEST(EnvelopeTest, ReplyWithStateRoundTrips) {
  Envelope env;
  env.set_protocol_version(1);
  env.set_source("room1/mixer");
  env.set_target("ctl-laptop/cli");
  env.set_correlation_id(42);
  Ok* ok = env.mutable_reply()->mutable_ok();
  ok->set_message("deck A ready");
  DeckState* deck = ok->mutable_deck();
  deck->set_deck(DECK_A);
  deck->set_gain_db(-6.0);
  BufferStatus* buf = deck->add_buffers();
  buf->set_buffer_id(1);
  buf->set_state(BUFFER_STATE_READY);
  buf->set_file_rate_hz(44100);
  buf->set_file_channels(2);
  buf->set_duration_seconds(421.5);

  Envelope got;
  ASSERT_TRUE(got.ParseFromString(env.SerializeAsString()));
  EXPECT_TRUE(MessageDifferencer::Equals(env, got));
  ASSERT_EQ(got.reply().result_case(), Reply::kOk);
  EXPECT_EQ(got.reply().ok().deck().buffers(0).state(), BUFFER_STATE_READY);
}

TEST(EnvelopeTest, RandomBytesNeverCrashTheParser) {
  google::protobuf::LogSilencer quiet;  // invalid UTF-8 in strings logs an error
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 512);
  int parsed = 0;
  int with_payload = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string junk(static_cast<size_t>(length(rng)), '\0');
    for (char& c : junk) c = static_cast<char>(byte(rng));
    Envelope env;
    if (!env.ParseFromString(junk)) continue;
    ++parsed;
    if (env.payload_case() != Envelope::PAYLOAD_NOT_SET) ++with_payload;
    // Whatever parsed must be a consistent message: it serializes and reparses.
    Envelope again;
    EXPECT_TRUE(again.ParseFromString(env.SerializeAsString()));
  }
  // Random bytes almost never form a valid envelope with a payload; a
  // receiver must still check payload_case and validate every field.
  EXPECT_LT(with_payload, 50);
  RecordProperty("parsed", parsed);
}

TEST(EnvelopeTest, TruncatedEnvelopeNeverCrashesTheParser) {
  google::protobuf::LogSilencer quiet;
  const std::string wire = make_load_buffer_envelope().SerializeAsString();
  int failures = 0;
  for (size_t n = 0; n < wire.size(); ++n) {
    Envelope env;
    if (!env.ParseFromString(wire.substr(0, n))) ++failures;
  }
  EXPECT_GT(failures, 0);
}

TEST(EnvelopeTest, ClearlyMalformedBytesFailToParse) {
  google::protobuf::LogSilencer quiet;
  Envelope env;
  // Wire type 7 does not exist.
  EXPECT_FALSE(env.ParseFromString(std::string("\x0F\x01", 2)));
  // Field 2 (source) claims 100 bytes, only 3 follow.
  EXPECT_FALSE(
      env.ParseFromString(std::string("\x12\x64"
                                      "abc",
                                      5)));
  // Truncated varint.
  EXPECT_FALSE(env.ParseFromString(std::string("\x20\xFF", 2)));
  // Invalid UTF-8 in a proto3 string field.
  EXPECT_FALSE(env.ParseFromString(std::string("\x12\x02\xC3\x28", 4)));
}

TEST(EnvelopeTest, UnknownFieldFromFutureVersionIsKeptAndIgnored) {
  const Envelope sent = make_load_buffer_envelope();
  std::string wire = sent.SerializeAsString();
  // Field 1000, varint 42; field 1001, 5 bytes.
  append_varint(wire, (1000u << 3) | 0u);
  append_varint(wire, 42);
  append_varint(wire, (1001u << 3) | 2u);
  append_varint(wire, 5);
  wire += "hello";

  Envelope got;
  ASSERT_TRUE(got.ParseFromString(wire));
  Envelope known_only = got;
  known_only.DiscardUnknownFields();
  EXPECT_TRUE(MessageDifferencer::Equals(sent, known_only));  // every known field equal
  EXPECT_EQ(got.command().load_buffer().path(), sent.command().load_buffer().path());
  const auto& unknown = got.GetReflection()->GetUnknownFields(got);
  ASSERT_EQ(unknown.field_count(), 2);
  EXPECT_EQ(unknown.field(0).number(), 1000);
  EXPECT_EQ(unknown.field(0).varint(), 42u);
  EXPECT_EQ(unknown.field(1).number(), 1001);
  EXPECT_EQ(unknown.field(1).length_delimited(), "hello");
  // Preserved: forwarding the envelope keeps the future fields.
  EXPECT_EQ(got.SerializeAsString(), wire);
}

TEST(EnvelopeTest, UnknownFutureCommandParsesWithNoCommandSet) {
  // A newer sender's Command with a command number this version lacks.
  std::string command;
  append_varint(command, (900u << 3) | 2u);
  append_varint(command, 0);  // empty sub-message
  std::string wire;
  append_varint(wire, (1u << 3) | 0u);  // protocol_version = 1
  append_varint(wire, 1);
  append_varint(wire, (10u << 3) | 2u);  // Envelope.command
  append_varint(wire, command.size());
  wire += command;

  Envelope got;
  ASSERT_TRUE(got.ParseFromString(wire));
  EXPECT_EQ(got.payload_case(), Envelope::kCommand);
  // The receiver sees no known command and answers ERROR_CODE_UNKNOWN_PAYLOAD.
  EXPECT_EQ(got.command().command_case(), Command::COMMAND_NOT_SET);
}

TEST(EnvelopeTest, EventFieldsMapRoundTrips) {
  Envelope env;
  env.set_protocol_version(1);
  env.set_source("room2/device");
  env.set_target("*/monitor");
  Event* ev = env.mutable_event();
  ev->set_kind("buffer.ready");
  ev->set_text("deck B buffer 3 ready");
  (*ev->mutable_fields())["deck"] = "B";
  (*ev->mutable_fields())["buffer_id"] = "3";

  Envelope got;
  ASSERT_TRUE(got.ParseFromString(env.SerializeAsString()));
  ASSERT_EQ(got.payload_case(), Envelope::kEvent);
  EXPECT_EQ(got.event().fields().at("deck"), "B");
  EXPECT_EQ(got.event().fields().at("buffer_id"), "3");
  EXPECT_TRUE(MessageDifferencer::Equals(env, got));
}

}  // namespace
}  // namespace crowdmesh::v1

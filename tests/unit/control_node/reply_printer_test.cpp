#include "control_node/reply_printer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace crowdmesh::control {
namespace {

v1::Envelope reply_from(const std::string& source) {
  v1::Envelope envelope;
  envelope.set_protocol_version(1);
  envelope.set_source(source);
  envelope.set_correlation_id(7);
  return envelope;
}

v1::Envelope error_reply() {
  v1::Envelope envelope = reply_from("room-c/mixer");
  auto* error = envelope.mutable_reply()->mutable_error();
  error->set_code(v1::ERROR_CODE_FILE_NOT_FOUND);
  error->set_message("file /srv/music/nope.mp3 does not exist");
  return envelope;
}

v1::Envelope node_list_reply() {
  v1::Envelope envelope = reply_from("room-a/gateway");
  auto* nodes = envelope.mutable_reply()->mutable_ok()->mutable_nodes();
  auto* a = nodes->add_nodes();
  a->set_name("room-a");
  a->add_roles("device");
  a->add_roles("mixer");
  a->set_alive(true);
  a->set_self(true);
  a->set_clock_locked(true);
  a->set_clock_skew_ppm(-12.345);
  a->set_clock_error_ns(25'000);
  a->set_control_endpoint("tcp://127.0.0.1:7700");
  auto* b = nodes->add_nodes();
  b->set_name("room-b");
  b->add_roles("device");
  b->set_alive(false);
  b->set_last_heartbeat_age_ms(-1);
  b->set_clock_offset_ns(1'500'000);
  b->set_control_endpoint("tcp://10.0.0.2:7700");
  return envelope;
}

TEST(ReplyPrinterTest, ErrorReplyIsTheSentencePrefixedByTheNode) {
  const v1::Envelope envelope = error_reply();
  EXPECT_FALSE(ReplyPrinter::is_ok(envelope));
  EXPECT_EQ(ReplyPrinter::error_text(envelope), "room-c: file /srv/music/nope.mp3 does not exist\n");
  EXPECT_EQ(ReplyPrinter::text(envelope), ReplyPrinter::error_text(envelope));
}

TEST(ReplyPrinterTest, ErrorWithoutSentenceShowsTheCodeName) {
  v1::Envelope envelope = error_reply();
  envelope.mutable_reply()->mutable_error()->clear_message();
  EXPECT_EQ(ReplyPrinter::error_text(envelope), "room-c: ERROR_CODE_FILE_NOT_FOUND\n");
}

TEST(ReplyPrinterTest, ErrorReplyJsonKeepsProtoFieldNames) {
  auto json = ReplyPrinter::json(error_reply().reply());
  ASSERT_TRUE(json);
  EXPECT_EQ(*json, R"({"error":{"code":"ERROR_CODE_FILE_NOT_FOUND",)"
                   R"("message":"file /srv/music/nope.mp3 does not exist"}})");
}

TEST(ReplyPrinterTest, DeckStateIsOneLine) {
  v1::Envelope envelope = reply_from("room-c/mixer");
  auto* deck = envelope.mutable_reply()->mutable_ok()->mutable_deck();
  deck->set_deck(v1::DECK_A);
  auto* buffer = deck->add_buffers();
  buffer->set_path("/srv/music/frontiers.mp3");
  buffer->set_state(v1::BUFFER_STATE_PLAYING);
  buffer->set_position_seconds(12.34);
  EXPECT_EQ(ReplyPrinter::text(envelope), "room-c: ok — deck A: playing frontiers.mp3 12.3 s\n");
}

TEST(ReplyPrinterTest, NodeListIsATable) {
  const std::string text = ReplyPrinter::text(node_list_reply());
  EXPECT_EQ(text,
            "room-a: ok — 2 nodes\n"
            "  NODE      ALIVE  ROLES         LAST HEARD  CLOCK OFFSET  SKEW        SYNC ERROR  RTT      ENDPOINT\n"
            "  room-a *  yes    device,mixer  self        0.000 ms      -12.35 ppm  0.025 ms    0.00 ms  "
            "tcp://127.0.0.1:7700\n"
            "  room-b    NO     device        never       +1.500 ms     0.00 ppm    -           0.00 ms  "
            "tcp://10.0.0.2:7700\n");
}

TEST(ReplyPrinterTest, NodeListJsonWithNodeIsOneObject) {
  auto json = ReplyPrinter::json_with_node(node_list_reply());
  ASSERT_TRUE(json);
  EXPECT_EQ(json->rfind(R"({"node":"room-a","reply":{"ok":{"nodes":{"nodes":[{"name":"room-a",)", 0), 0u) << *json;
  EXPECT_NE(json->find(R"("last_heartbeat_age_ms":"-1")"), std::string::npos) << *json;
  EXPECT_EQ(json->find('\n'), std::string::npos);
}

TEST(ReplyPrinterTest, NodeOfTakesTheSourceNode) {
  EXPECT_EQ(ReplyPrinter::node_of(reply_from("room-c/mixer")), "room-c");
  EXPECT_EQ(ReplyPrinter::node_of(reply_from("")), "?");
}

}  // namespace
}  // namespace crowdmesh::control

namespace crowdmesh::control {
namespace {

v1::Envelope stream_reply(const std::string& sdp) {
  v1::Envelope envelope = reply_from("room-a/stream");
  auto* s = envelope.mutable_reply()->mutable_ok()->mutable_stream();
  s->set_stream_id("room-a/master");
  s->set_source_address("10.0.0.11:40312");
  s->set_sample_rate_hz(48000);
  s->set_channels(2);
  s->set_encoding("L24");
  s->set_repair_payload_type(97);
  s->set_fec_source_packets(24);
  s->set_fec_repair_packets(24);
  s->set_frames_per_packet(96);
  s->set_latency_ms(120);
  s->set_subscribers(2);
  s->set_sdp(sdp);
  return envelope;
}

TEST(ReplyPrinterStreamTest, StreamReplySummarisesFormatFecLatencyAndSubscribers) {
  EXPECT_EQ(ReplyPrinter::text(stream_reply("")),
            "room-a: ok — stream room-a/master from 10.0.0.11:40312, L24 48000 Hz 2 ch, 2 ms packets, FEC 24+24, "
            "latency 120 ms, 2 subscribers\n");
}

TEST(ReplyPrinterStreamTest, SdpReplyIsPrintedAloneSoThatItCanGoToAFile) {
  const std::string sdp = "v=0\r\nm=audio 5004 RTP/AVP 96\r\n";
  EXPECT_EQ(ReplyPrinter::text(stream_reply(sdp)), sdp);
}

}  // namespace
}  // namespace crowdmesh::control

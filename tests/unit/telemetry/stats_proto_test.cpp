// Telemetry snapshots → wire: fixed value sets travel as enums, not text.
#include "telemetry/stats_proto.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace crowdmesh::telemetry {
namespace {

namespace v1 = crowdmesh::v1;

TEST(StatsProtoTest, EverySinkStateTravelsAsItsOwnEnumValueOfTheSameName) {
  encoder::EncoderStats s;
  const encoder::SinkState all[] = {encoder::SinkState::idle,      encoder::SinkState::open,
                                    encoder::SinkState::connecting, encoder::SinkState::connected,
                                    encoder::SinkState::backoff,   encoder::SinkState::auth_failed,
                                    encoder::SinkState::failed,    encoder::SinkState::closed};
  for (const auto state : all) {
    encoder::OutputStats o;
    o.sink.state = state;
    s.outputs.push_back(o);
  }
  const auto wire = to_proto(s);
  ASSERT_EQ(wire.outputs_size(), 8);
  std::set<int> seen;
  for (int i = 0; i < wire.outputs_size(); ++i) {
    const auto value = wire.outputs(i).sink_state();
    EXPECT_NE(value, v1::SINK_STATE_UNSPECIFIED);
    seen.insert(value);
    std::string name = v1::SinkState_Name(value);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(name, std::string("sink_state_") + encoder::to_string(all[i]));
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(StatsProtoTest, StretchMethodOfADeckTravelsAsTheEnumAndUnspecifiedWhenUnknown) {
  mixer::MixerStatus s;
  for (int i = 0; i < 3; ++i) {  // deck D has no buffer
    s.decks[i].deck = kAllDecks[i];
    s.decks[i].buffers.resize(1);  // decks without buffers are not reported
  }
  s.decks[0].stretch_method = "soundtouch";
  s.decks[1].stretch_method = "playback_rate";
  const auto wire = to_proto(s, std::nullopt);
  ASSERT_EQ(wire.decks_size(), 3);
  EXPECT_EQ(wire.decks(0).stretch_method(), v1::STRETCH_METHOD_SOUNDTOUCH);
  EXPECT_EQ(wire.decks(1).stretch_method(), v1::STRETCH_METHOD_PLAYBACK_RATE);
  EXPECT_EQ(wire.decks(2).stretch_method(), v1::STRETCH_METHOD_UNSPECIFIED);
}

}  // namespace
}  // namespace crowdmesh::telemetry

#include "mixer/mixer_proto.hpp"

#include <cmath>

#include "common/decibel.hpp"
#include "common/error.hpp"

namespace crowdmesh::mixer {

namespace v1 = crowdmesh::v1;

namespace {
// A gain as the wire reports it: silence (a kill, −inf, or ≤ −200 dB) as
// kSilenceDb, never −inf (which JSON cannot carry as a number).
double wire_db(double db) { return std::isfinite(db) && db > kSilenceDb ? db : kSilenceDb; }
}  // namespace

std::optional<DeckId> deck_from_wire(int wire) {
  if (wire >= v1::DECK_A && wire <= v1::DECK_D) return static_cast<DeckId>(wire - v1::DECK_A);
  return std::nullopt;
}

v1::Deck wire_deck(DeckId deck) { return static_cast<v1::Deck>(v1::DECK_A + index_of(deck)); }

namespace {
v1::BufferState wire_state(BufferState s) {
  switch (s) {
    case BufferState::loading: return v1::BUFFER_STATE_LOADING;
    case BufferState::ready: return v1::BUFFER_STATE_READY;
    case BufferState::playing: return v1::BUFFER_STATE_PLAYING;
    case BufferState::stopped: return v1::BUFFER_STATE_STOPPED;
    case BufferState::ended: return v1::BUFFER_STATE_ENDED;
    case BufferState::failed: return v1::BUFFER_STATE_FAILED;
  }
  return v1::BUFFER_STATE_UNSPECIFIED;
}
}  // namespace

void to_proto(const BufferStatus& in, v1::BufferStatus& out) {
  out.set_buffer_id(in.id);
  out.set_path(in.info.path);
  out.set_state(wire_state(in.state));
  out.set_file_rate_hz(static_cast<std::uint32_t>(in.info.file_rate_hz));
  out.set_file_channels(static_cast<std::uint32_t>(in.info.file_channels));
  out.set_position_seconds(in.position_seconds);
  out.set_duration_seconds(in.info.duration_seconds);
  out.set_loop(in.loop);
  out.set_gain_db(in.gain_db);
  out.set_muted(in.muted);
  out.set_native_bpm(in.info.native_bpm);
  if (!in.error.empty()) {
    out.mutable_error()->set_code(v1::ERROR_CODE_NOT_READY);
    out.mutable_error()->set_message(in.error);
  }
}

void to_proto(const DeckStatus& in, v1::DeckState& out) {
  out.set_deck(wire_deck(in.deck));
  out.set_gain_db(in.gain_db);
  out.set_muted(in.muted);
  out.set_eq_low_gain_db(wire_db(in.eq_db[0]));
  out.set_eq_mid_gain_db(wire_db(in.eq_db[1]));
  out.set_eq_high_gain_db(wire_db(in.eq_db[2]));
  out.set_filter_amount(in.filter_amount);
  for (const auto& b : in.buffers) to_proto(b, *out.add_buffers());
}

void to_proto(const MixerStatus& in, v1::NodeStatus& out) {
  out.set_master_gain_db(in.master_gain_db);
  for (const auto& d : in.decks) to_proto(d, *out.add_decks());
  out.set_test_tone_hz(in.test_tone_hz);
  out.set_test_tone_remaining_seconds(in.test_tone_remaining_seconds);
}

void to_proto(const StartReport& in, v1::StartTogetherResult& out) {
  out.set_start_pts_ns(in.scheduled_at_ns);
  for (const auto& name : in.started)
    if (auto d = parse_deck(name)) out.add_started(wire_deck(*d));
  for (const auto& line : in.not_ready) {
    auto* ns = out.add_not_started();
    if (auto d = parse_deck(line.substr(0, line.find(':')))) ns->set_deck(wire_deck(*d));
    ns->mutable_reason()->set_code(v1::ERROR_CODE_NOT_READY);
    ns->mutable_reason()->set_message(line);
  }
}

v1::Reply error_reply(const caf::error& err) {
  return error_reply(static_cast<v1::ErrorCode>(static_cast<int>(error_code(err))), error_sentence(err));
}

v1::Reply error_reply(v1::ErrorCode code, const std::string& sentence) {
  v1::Reply r;
  r.mutable_error()->set_code(code);
  r.mutable_error()->set_message(sentence);
  return r;
}

}  // namespace crowdmesh::mixer

#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "common/audio_block.hpp"
#include "common/deck.hpp"
#include "dsp/dj_eq.hpp"
#include "mixer/mixer_config.hpp"
#include "mixer/mixer_messages.hpp"
#include "mixer/render_port.hpp"
#include "stretch/stretch_actor.hpp"
#include "stretch/stretch_method.hpp"

namespace crowdmesh::mixer {

/// The mixer actor's interface. Decks, EQ bands and stretch methods arrive
/// typed (DeckId, dsp::EqBand, stretch::StretchMethod), parsed once at the
/// edge (the command router, OSC); start_atom alone takes deck names, so its
/// report can name the unknown ones. Gains are in dB; every command replies with the resulting state
/// or an error whose sentence names the deck, buffer, path or value.
///
/// - (load_atom, deck, buffer_id, path, loop, native_bpm) → BufferStatus once the buffer is
///   ready (decoded ahead, FIFO filled) or an error (file_not_found with the
///   absolute path, unreadable_file, unsupported_channels, ...). The deck shows
///   it as `loading` meanwhile and as `failed` with the reason after an error.
/// - (section_atom, deck, buffer_id, path, native_bpm, region) → BufferStatus:
///   a load (as load_atom) positioned at region.begin_seconds that loops
///   [begin, end) with region.loop, or plays on to the file's end.
/// - (section_atom, deck, buffer_id, downbeats, now, next) → SectionSwitch:
///   the playing buffer (playing region `now`) switches to region `next` of
///   its file on the first downbeat (file seconds, ascending) at least
///   kSectionSwitchLeadSeconds ahead (next_downbeat_switch(), at the buffer's
///   tempo ratio), at the first frame whose PTS reaches that downbeat's mesh
///   time (sample-accurate, as a scheduled start). Replies once the next
///   reader is open and the switch scheduled. Errors: unknown_buffer,
///   not_ready (not playing, or nothing rendered with a PTS yet),
///   value_out_of_range (no downbeat ahead), and the open's errors.
/// - (unload_atom, deck, buffer_id) → true; unknown_buffer otherwise.
/// - (play_atom, deck), (stop_atom, deck) → DeckStatus; with a buffer id after
///   the deck, that buffer only (unknown_buffer lists the loaded ids).
/// - (gain_atom, deck, buffer_id, gain_db, ramp_seconds) → DeckStatus: one buffer's gain.
/// - (gain_atom, deck, gain_db, ramp_seconds) → DeckStatus: the deck fader,
///   reached over ramp_seconds (a linear fade; 0 = smoothed step).
/// - (levels_atom, decks, gains_db, ramp_seconds) → DeckStatus of the last
///   deck: several faders as one change (all checked first, applied in the same
///   frame, each over ramp_seconds); decks and gains_db of equal length.
/// - (mute_atom, deck, bool), (loop_atom, deck, bool),
///   (eq_atom, deck, band, gain_db), (seek_atom, deck, seconds) → DeckStatus.
/// - (loop_atom, deck, buffer_id, bool), (seek_atom, deck, buffer_id, seconds) →
///   DeckStatus: one buffer only (unknown_buffer lists the loaded ids).
/// - (filter_atom, deck, amount) → DeckStatus: the deck's DJ filter (−1
///   low-pass … 0 off … +1 high-pass, Mixer::set_filter).
/// - (tone_atom, frequency_hz, gain_db, duration_seconds) → true once the test
///   tone sounds on the master bus (Mixer::start_test_tone); value_out_of_range otherwise.
/// - (method_atom, deck, method) → DeckStatus: how every
///   buffer of the deck follows the tempo; switches with a short dip, no click.
/// - (master_atom, gain_db, ramp_seconds) → the master gain it goes to, dB.
/// - (start_atom, decks, ready_timeout_seconds) → StartReport: waits until every
///   listed deck is ready or the timeout ran out, then starts the ready ones in
///   the same block (sample-aligned) and lists the others with the reason.
/// - (start_atom, decks, ready_timeout_seconds, at_ns) → StartReport: the same
///   wait for readiness, then the ready decks start at mesh time at_ns, at the
///   first frame whose PTS ≥ at_ns (sample-accurate, on every node that got it).
///   Replies when scheduled (scheduled_at_ns set), before the start happens.
/// - (status_atom) → MixerStatus (resets the level meters).
/// - (reset_atom, unload_buffers) → buffers removed: stops every deck and,
///   with unload_buffers, removes every buffer (loads in flight then fail
///   with "replaced by a newer load").
/// - (stall_atom, milliseconds) → true after holding the render lock that long
///   on a thread of its own (diagnostics: a slow mixer starves the device
///   ring, which telemetry must show; the actor itself and its CAF worker stay
///   free). One at a time: another meanwhile fails with not_ready.
///   (stall_atom, true) is the thread's internal "done".
/// - (tick_atom): once a second, logs what the render path noticed (underrun
///   bursts, NaN files; Mixer::take_findings()), which it cannot log itself.
/// - (finish_atom) → true once every block rendered so far has reached the tap
///   (the tap relay is drained and stopped). For the end of a run, after the
///   device stopped: blocks rendered later are not tapped.
/// - (render_atom, frames, pts_ns) → AudioBlock of `frames` frames (device
///   demand); pts_ns = mesh time of the block's first frame at the speakers
///   (0 = unknown).
using MixerActor = caf::typed_actor<
    caf::replies_to<load_atom, DeckId, std::uint32_t, std::string, bool, double>::with<BufferStatus>,
    caf::replies_to<section_atom, DeckId, std::uint32_t, std::string, double, PlayRegion>::with<BufferStatus>,
    caf::replies_to<section_atom, DeckId, std::uint32_t, std::vector<double>, PlayRegion, PlayRegion>::with<
        SectionSwitch>,
    caf::replies_to<unload_atom, DeckId, std::uint32_t>::with<bool>,
    caf::replies_to<play_atom, DeckId>::with<DeckStatus>, caf::replies_to<stop_atom, DeckId>::with<DeckStatus>,
    caf::replies_to<play_atom, DeckId, std::uint32_t>::with<DeckStatus>,
    caf::replies_to<stop_atom, DeckId, std::uint32_t>::with<DeckStatus>,
    caf::replies_to<gain_atom, DeckId, double, double>::with<DeckStatus>,
    caf::replies_to<levels_atom, std::vector<DeckId>, std::vector<double>, double>::with<DeckStatus>,
    caf::replies_to<gain_atom, DeckId, std::uint32_t, double, double>::with<DeckStatus>,
    caf::replies_to<mute_atom, DeckId, bool>::with<DeckStatus>,
    caf::replies_to<loop_atom, DeckId, bool>::with<DeckStatus>,
    caf::replies_to<loop_atom, DeckId, std::uint32_t, bool>::with<DeckStatus>,
    caf::replies_to<eq_atom, DeckId, dsp::EqBand, double>::with<DeckStatus>,
    caf::replies_to<filter_atom, DeckId, double>::with<DeckStatus>,
    caf::replies_to<tone_atom, double, double, double>::with<bool>,
    caf::replies_to<seek_atom, DeckId, double>::with<DeckStatus>,
    caf::replies_to<seek_atom, DeckId, std::uint32_t, double>::with<DeckStatus>,
    caf::replies_to<method_atom, DeckId, stretch::StretchMethod>::with<DeckStatus>,
    caf::replies_to<master_atom, double, double>::with<double>, caf::replies_to<stall_atom, std::uint32_t>::with<bool>, caf::reacts_to<stall_atom, bool>,
    caf::replies_to<reset_atom, bool>::with<std::uint32_t>,
    caf::replies_to<start_atom, std::vector<std::string>, double>::with<StartReport>,
    caf::replies_to<start_atom, std::vector<std::string>, double, std::int64_t>::with<StartReport>,
    caf::replies_to<status_atom>::with<MixerStatus>, caf::replies_to<finish_atom>::with<bool>,
    caf::replies_to<render_atom, std::uint32_t, std::int64_t>::with<AudioBlock>,
    caf::reacts_to<retry_atom, std::uint64_t>, caf::reacts_to<tick_atom>>;

/// Largest block one render request may ask for, frames.
constexpr std::uint32_t kMaxRenderFrames = 65536;

/// Settings of a mixer actor.
struct MixerActorConfig {
  MixerConfig mixer;
  stretch::StretchActor stretch;  ///< fills the readers this mixer plays
  /// Offline rendering (virtual device as fast as possible): a render waits for
  /// readers that are behind instead of counting an underrun.
  bool offline = false;
  /// Optional tap on the master bus (encoders, the audio PUB): called in the
  /// mixer actor after each rendered block with the block (shared samples,
  /// never written again by the mixer) and what plays now (see now_playing()).
  /// Must not block: queue or drop.
  std::function<void(const AudioBlock& block, const std::string& title)> tap;
  /// Optional, with a render_port: whether the tap's consumers want each
  /// block within 50 ms now (TapRelay's `prompt`: asked on the relay thread,
  /// must not block). Null: always.
  std::function<bool()> tap_prompt;
  /// Optional: lets the device's playout thread render this mixer directly
  /// (real-time devices); the actor then holds the port's lock whenever it
  /// touches the mixer core. The tap is then called on a TapRelay thread
  /// ("cm.tap"), in block order, never on the render thread; the title is
  /// refreshed once a second.
  std::shared_ptr<RenderPort> render_port;
};

/// "What plays now" for stream metadata: the file name (without folder and
/// extension) of the playing buffer that started most recently (the smallest
/// play-head position); empty when nothing plays.
std::string now_playing(const MixerStatus& status);

/// Spawns the mixer actor.
MixerActor spawn_mixer_actor(caf::actor_system& sys, const MixerActorConfig& cfg);

}  // namespace crowdmesh::mixer

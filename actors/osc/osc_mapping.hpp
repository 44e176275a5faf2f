#pragma once
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "crowdmesh/v1/commands.pb.h"

namespace crowdmesh::osc {

/// One OSC argument, already decoded from the packet. Numbers of every OSC
/// numeric type land in `number` (ints exactly, 'h' up to 2^53); strings and
/// symbols in `text`. The bridge turns OSC true/false into 'i' 1/0.
struct OscArg {
  /// OSC type tag: 'i' int32, 'f' float32, 'd' float64, 'h' int64, 's' string,
  /// 'S' symbol; any other tag is kept as is and rejected by map_osc.
  char type = 'i';
  /// The value of a numeric argument (type i, f, d or h); 0 otherwise.
  double number = 0.0;
  /// The value of a string argument (type s or S); empty otherwise.
  std::string text;
};

/// What one OSC message of the original server's API becomes on the mesh.
struct MappedMessage {
  /// Actor that handles `command`: "mixer", "tempo" or "node" (GetStatus).
  std::string actor;
  /// The command the OSC message asks for.
  crowdmesh::v1::Command command;
  /// Seconds from now at which `command` must apply (/play, /fade,
  /// /start_group); absent = now. Never negative (the original treats a past
  /// start time as "now") and at most schedule::kMaxAheadSeconds (3600 s: the
  /// longest the command router holds a command).
  std::optional<double> delay_seconds;
  /// Commands for the same actor to send first, in order, each awaiting its
  /// reply, and immediately (the delay applies to `command` only): the
  /// LoadBuffer of /cue and /play, the SetGain/SetLoop of a /play_stem that
  /// gives a volume or loop flag. Empty for most addresses.
  std::vector<crowdmesh::v1::Command> prelude;
};

/// Gain sent for "silent" (/stem_volume 0, /deck_levels 0, /fade's end),
/// in dB: the mixer treats any gain <= −96 dB as silence (mixer_config.hpp
/// kMinGainDb) and SetGain forbids −inf on the wire.
constexpr double kSilenceGainDb = -96.0;
/// EQ gain sent for a full band kill (0 % on /deck_eq, 0 on /deck_filter),
/// in dB: the DJ EQ kills a band at or below −60 dB (dsp/dj_eq.hpp kKillDb).
constexpr double kEqKillDb = -60.0;
/// Depth of the original server's EQ cut at 1 % (just above the kill), dB
/// (audio_server.py `_eq_max_cut_db = 24.0`).
constexpr double kEqMaxCutDb = 24.0;
/// StartTogether.ready_timeout_seconds used for /start_group, seconds.
constexpr double kStartGroupReadyTimeoutSeconds = 5.0;
/// /fade duration when absent, seconds (as the original).
constexpr double kFadeDefaultSeconds = 2.0;

/// Maps one OSC message of the original Crowdstream server (audio_server.py)
/// onto a mesh command. Pure function; thread-safe.
///
/// Numbers are accepted as any OSC numeric type (i, f, d, h); an argument that
/// must be whole (buffer id, person count) must have no fraction. Buffer ids
/// select the deck by range: A 100–1099, B 1100–2099, C 2100–3099,
/// D 3100–4099. Deck names are A–D (any case), EQ bands low/mid/high.
///
/// Errors (the sentence is what the OSC sender gets back):
///   - value_out_of_range "unknown OSC address '/foo'";
///   - value_out_of_range "/stem_volume expects (i buffer_id, f volume), got (s)"
///     when the argument count or types do not fit the signature;
///   - value_out_of_range for NaN/inf, negative levels, ids outside every deck
///     range, percents outside 0..100, start times beyond 3600 s (the
///     sentence names value and range);
///   - unknown_deck for a deck name outside A–D.
caf::expected<MappedMessage> map_osc(const std::string& address, const std::vector<OscArg>& args);

}  // namespace crowdmesh::osc

#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/deck.hpp"

namespace crowdmesh::mixer {

/// Life cycle of one buffer (a track or stem) on a deck.
enum class BufferState { loading, ready, playing, stopped, ended, failed };

/// "loading", "ready", "playing", "stopped", "ended", "failed".
const char* to_string(BufferState state);

/// What the file behind a buffer is, as reported by its reader.
struct BufferInfo {
  std::string path;    ///< absolute path
  std::string format;  ///< e.g. "MP3"
  int file_rate_hz = 0;
  int file_channels = 0;
  double duration_seconds = 0;  ///< from the file's frame count (an estimate for MP3)
  double start_seconds = 0;     ///< file position the reader started at (after a seek)
  double native_bpm = 120;      ///< the track's own tempo (tempo ratio = mesh BPM / this)
};

/// Snapshot of one buffer.
struct BufferStatus {
  std::uint32_t id = 0;
  BufferState state = BufferState::loading;
  BufferInfo info;
  double position_seconds = 0;  ///< file position of the play head
  bool loop = false;
  float gain_db = 0;
  bool muted = false;
  std::uint64_t underrun_frames = 0;    ///< frames the reader could not deliver in time
  std::uint64_t nonfinite_samples = 0;  ///< NaN/±inf samples from the file, played as 0.0
  std::string error;                    ///< why it failed (state == failed)
};

/// Snapshot of one deck.
struct DeckStatus {
  DeckId deck = DeckId::A;
  float gain_db = 0;
  bool muted = false;
  std::array<float, 3> eq_db{0, 0, 0};  ///< low, mid, high
  double filter_amount = 0;             ///< DJ filter: −1 low-pass … 0 off … +1 high-pass
  double rms_dbfs = -200;               ///< since the previous status()
  double peak_dbfs = -200;
  std::vector<BufferStatus> buffers;
  /// Decoded audio ready ahead of the play head in the emptiest of the deck's
  /// FIFOs, seconds (-1: no buffer attached). Filled by the mixer actor.
  double reserve_seconds = -1;
  /// How the deck follows the tempo: "playback_rate" or "soundtouch" (empty: no buffer).
  std::string stretch_method;
  /// Samples the deck's EQ/filter turned non-finite (played as 0.0), and how
  /// many times their state was reset for it, since start.
  std::uint64_t dsp_nonfinite_samples = 0;
  std::uint64_t dsp_resets = 0;
};

/// Snapshot of the whole mixer.
struct MixerStatus {
  float master_gain_db = 0;
  std::array<DeckStatus, kDeckCount> decks;
  double master_rms_dbfs = -200;
  double master_peak_dbfs = -200;
  float limiter_reduction_db = 0;
  std::uint64_t limited_frames = 0;
  std::uint64_t frames_rendered = 0;
  std::uint64_t underrun_frames = 0;  ///< sum over all buffers
  /// NaN/±inf samples that reached the master bus (from the decks' own
  /// processing; what files hold is counted per buffer) and were played as 0.0.
  std::uint64_t master_nonfinite_samples = 0;
  /// Loads refused since start: the path was outside the media roots or not a
  /// regular file (errc::not_allowed), or the deck already held
  /// kMaxBuffersPerDeck buffers. Counted by the mixer actor.
  std::uint64_t loads_refused = 0;
  /// Loads given up since start because opening the file took too long
  /// (errc::timeout). Counted by the mixer actor.
  std::uint64_t load_timeouts = 0;
  /// The test tone sounding now, Hz (0: none), and how long it has left, s.
  double test_tone_hz = 0;
  double test_tone_remaining_seconds = 0;
};

}  // namespace crowdmesh::mixer

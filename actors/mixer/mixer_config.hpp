#pragma once
#include <cstddef>

namespace crowdmesh::mixer {

/// Static settings of a mixer; all audio it renders is interleaved float at
/// sample_rate_hz with `channels` channels (the device format).
struct MixerConfig {
  int sample_rate_hz = 48000;           ///< device rate, Hz
  int channels = 2;                     ///< device output channels
  std::size_t max_block_frames = 4096;  ///< largest block rendered in one pass (bigger requests are split)
  float gain_smoothing_ms = 10.0f;      ///< time constant of every gain/mute change (no zipper noise)
  float limiter_ceiling_dbfs = -0.3f;   ///< master soft limiter ceiling, dBFS
};

/// Allowed range of every gain in dB (deck, buffer, master). −inf (and anything
/// at or below kMinGainDb) means silence; NaN and values above kMaxGainDb are refused.
constexpr float kMinGainDb = -96.0f;
constexpr float kMaxGainDb = 12.0f;

/// Most buffers (stems) one deck holds. Each holds an open file and a FIFO
/// (about 1.5 MB); a client naming new buffer ids without end must not run the
/// node out of memory or file descriptors.
constexpr std::size_t kMaxBuffersPerDeck = 16;

/// Longest gain ramp (fade) a command may ask for, s; 0 = a smoothed step.
constexpr double kMaxRampSeconds = 3600.0;

/// Longest wait of a "start together" for decks still loading, s (0 = start
/// what is ready now). The mixer refuses NaN and values outside 0..this.
constexpr double kMaxReadyTimeoutSeconds = 600.0;

}  // namespace crowdmesh::mixer

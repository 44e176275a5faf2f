#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "common/audio_block.hpp"
#include "telemetry/level_analyzer.hpp"

namespace crowdmesh::telemetry {

/// Loudness, clipping and silence of the master bus for telemetry: the
/// mixer's tap feeds it every rendered block, the telemetry actor takes a
/// report per interval. The analyser is (re)created when the block format
/// changes. Thread contract: process() from the mixer actor, take() from the
/// telemetry actor; a mutex guards the analyser (neither is the RT thread).
class MasterMeter {
 public:
  /// Analyses one block (interleaved float, block.channels × block.frames).
  void process(const AudioBlock& block);
  /// The report of everything processed since the previous take(); nothing
  /// before the first block.
  std::optional<LevelReport> take();
  /// Whether the telemetry reads this meter at full rate (someone watches the
  /// node, TelemetryActorConfig::watched); true until told otherwise. The
  /// master stream then wants its blocks promptly (MasterStream::wants_prompt_blocks).
  /// Thread-safe.
  void set_read_often(bool often) noexcept { read_often_.store(often, std::memory_order_relaxed); }
  /// See set_read_often(). Thread-safe.
  bool read_often() const noexcept { return read_often_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> read_often_{true};
  std::mutex m_;
  std::optional<LevelAnalyzer> analyzer_;
  int rate_ = 0;
  int channels_ = 0;
};

}  // namespace crowdmesh::telemetry

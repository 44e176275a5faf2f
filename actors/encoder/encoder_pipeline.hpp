#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "common/stream_chunk.hpp"
#include "encoder/chunk_sequencer.hpp"
#include "encoder/encoder_output.hpp"
#include "encoder/encoder_stats.hpp"
#include "encoder/preset.hpp"

namespace crowdmesh::encoder {

/// One encoder: a stream of chunks in (from the local mixer or the mesh),
/// rebuilt into continuous audio by a ChunkSequencer (gaps concealed,
/// counted), fanned out to several outputs (preset → sink).
/// A format change or a sender restart reopens every output (new files /
/// streams), counted in stats().
/// Thread contract: one owner thread (the encoder actor's).
class EncoderPipeline final : private SequencedAudioListener {
 public:
  /// Creates every output (sinks parsed, nothing opened before the first
  /// chunk). Errors: the first invalid spec's error (its URL named); no output
  /// is created then. At least one spec is needed (value_out_of_range).
  static caf::expected<std::unique_ptr<EncoderPipeline>> create(const std::vector<EncodeSpec>& specs,
                                                                std::string source_name);
  /// Encodes one chunk (or conceals what is missing before it).
  void push(const StreamChunk& chunk);
  /// Periodic housekeeping (≥ 4 Hz): flushes, sink polls, retries.
  void tick(std::int64_t now_ns);
  /// Releases the held chunk and finishes every output (headers finalised).
  void stop();
  /// Counters, format, title and one entry per output. The owner adds
  /// dropped_chunks and backlog_frames (it sees the inbox).
  EncoderStats stats() const;

 private:
  EncoderPipeline() = default;
  void on_format(PcmFormat format) override;
  void on_restart() override;
  void on_audio(const float* interleaved, std::size_t frames) override;

  std::vector<std::unique_ptr<EncoderOutput>> outputs_;
  ChunkSequencer sequencer_;
  std::string source_;
  std::string stream_id_;
  std::string title_;
  std::uint64_t frames_in_ = 0;
  bool stopped_ = false;
};

}  // namespace crowdmesh::encoder

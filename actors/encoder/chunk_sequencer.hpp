#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/stream_chunk.hpp"
#include "encoder/pcm_format.hpp"

namespace crowdmesh::encoder {

/// Where the sequencer delivers the continuous audio it rebuilt.
class SequencedAudioListener {
 public:
  virtual ~SequencedAudioListener() = default;
  /// Before the first audio and whenever the stream's rate or channel count
  /// changes: outputs (re)open for this format.
  virtual void on_format(PcmFormat format) = 0;
  /// The stream restarted (the sender began again at sequence 0, or a gap was
  /// too long to conceal): outputs begin new streams/files.
  virtual void on_restart() = 0;
  /// Audio in order, interleaved, `frames` × channels of the last on_format().
  virtual void on_audio(const float* interleaved, std::size_t frames) = 0;
};

/// Counters since construction (see ChunkSequencer).
struct SequencerCounters {
  std::uint64_t chunks = 0;            ///< chunks accepted in order (including after gaps)
  std::uint64_t gaps = 0;              ///< times one or more chunks were missing
  std::uint64_t lost_chunks = 0;       ///< chunks missing in all gaps
  std::uint64_t concealed_frames = 0;  ///< frames of silence inserted for them
  std::uint64_t late_chunks = 0;       ///< duplicates or out-of-order chunks dropped
  std::uint64_t format_changes = 0;    ///< rate or channel count changed mid-stream
  std::uint64_t restarts = 0;          ///< sender restart or a gap too long to conceal
  std::uint64_t nonfinite_samples = 0; ///< NaN/±inf samples received, passed on as 0.0
};

/// Rebuilds a continuous signal from a stream of numbered chunks (docs/ENCODERS.md:
/// gaps are detected, counted and concealed, never silently glued).
///
/// It holds one chunk back, so that when the next one shows a gap it can fade
/// the held chunk out before the silence. A gap (sequence jumped by k > 1) is
/// filled with as many frames of silence as are missing — by the frame
/// counter (first_frame) when it is consistent, else k − 1 times the last
/// chunk's length — with a raised-cosine fade-out of the audio before and a
/// fade-in after (fade_ms each). A gap longer than max_conceal_seconds, or a
/// chunk with sequence 0 after others (the sender restarted), ends the stream
/// instead (on_restart). Chunks older than expected are dropped as late.
/// Thread contract: one owner thread; no locks.
class ChunkSequencer {
 public:
  /// fade_ms > 0: fade length around a gap; max_conceal_seconds > 0.
  explicit ChunkSequencer(double fade_ms = 5.0, double max_conceal_seconds = 10.0);
  /// Accepts the next chunk (any channel count/rate; empty chunks are ignored).
  void push(const StreamChunk& chunk, SequencedAudioListener& out);
  /// Releases the held chunk (at stop), unchanged.
  void flush(SequencedAudioListener& out);
  const SequencerCounters& counters() const { return counters_; }
  /// Format of the stream so far (valid once a chunk was pushed).
  PcmFormat format() const { return format_; }
  bool has_format() const { return has_format_; }

 private:
  void hold(const StreamChunk& c);
  void release(SequencedAudioListener& out);
  void conceal(std::uint64_t frames, SequencedAudioListener& out);
  void fade(float* samples, std::size_t frames, bool fade_in) const;
  float* held_for_writing();  // copies the held samples once, before a fade changes them

  double fade_ms_;
  double max_conceal_seconds_;
  SequencerCounters counters_;
  PcmFormat format_;
  bool has_format_ = false;
  bool holding_ = false;
  std::uint64_t expected_ = 0;     // sequence expected next
  std::uint64_t next_frame_ = 0;   // first_frame expected next
  std::uint32_t last_frames_ = 0;  // length of the last chunk
  bool fade_in_next_ = false;
  // The held chunk: its shared samples as they came (no copy), or a private
  // copy once a fade had to change them.
  std::shared_ptr<std::vector<float>> held_shared_;
  std::vector<float> held_;
  bool held_copied_ = false;
  std::size_t held_frames_ = 0;
  std::vector<float> silence_;
};

}  // namespace crowdmesh::encoder

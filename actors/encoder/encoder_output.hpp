#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "encoder/effect_chain.hpp"
#include "encoder/encoder_stats.hpp"
#include "encoder/preset.hpp"
#include "encoder/sink.hpp"
#include "encoder/stream_encoder.hpp"

namespace crowdmesh::encoder {

/// One output of an encoder: effects → codec → sink, for one preset and one
/// sink URL (e.g. `podcast` → `file:/rec/%F.mp3`).
///
/// It begins a stream on open(), restarts it whenever the sink asks (file
/// rotation, Icecast reconnect, new Ogg title) or the format changes, calls
/// the codec's flush() at least once per second (tick()) so a killed process
/// loses at most about a second, and finishes the stream cleanly on close().
/// A failure (file not creatable, codec error) is logged once with its
/// sentence, kept in stats() (state failed, last_error) and retried every
/// kRetrySeconds; the other outputs and the node go on.
/// Thread contract: one owner thread (the encoder actor's).
class EncoderOutput {
 public:
  /// Seconds between two attempts to reopen a failed output.
  static constexpr double kRetrySeconds = 5.0;
  /// Seconds between two codec flushes (crash safety: at most this much is lost).
  static constexpr double kFlushSeconds = 0.5;

  /// Creates the sink (nothing opened yet). Errors: those of make_sink() (bad
  /// URL, FLAC to Icecast), naming the URL.
  static caf::expected<std::unique_ptr<EncoderOutput>> create(const EncodeSpec& spec);
  ~EncoderOutput();

  /// (Re)opens for `format`: new effect chain, sink stream, codec with `title`.
  /// Errors: the sink's or codec's, also kept in stats().
  caf::expected<void> open(PcmFormat format, const std::string& title);
  /// Effects + encode `frames` interleaved frames (copied; input untouched).
  /// Does nothing while failed (the frames count as lost for this output).
  void write(const float* interleaved, std::size_t frames);
  /// Housekeeping at ≥ 4 Hz: periodic flush, sink poll, stream restart when
  /// the sink wants one, retry after a failure. `now_ns`: any monotonic clock.
  void tick(std::int64_t now_ns);
  /// Ends the current stream and begins a new one (same format).
  void restart();
  /// Now playing; reaches the sink (Icecast metadata) and the next stream's tags.
  void set_title(const std::string& title);
  /// Finishes the stream (headers finalised) and closes the sink. Idempotent.
  void close();
  OutputStats stats() const;
  const OutputSettings& settings() const { return spec_.output; }

 private:
  explicit EncoderOutput(EncodeSpec spec, std::unique_ptr<Sink> sink);
  caf::expected<void> begin();
  void end();
  void fail(const caf::error& e);

  EncodeSpec spec_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<StreamEncoder> codec_;
  std::optional<EffectChain> effects_;
  std::optional<PcmFormat> format_;
  std::string title_;
  std::vector<float> scratch_;
  bool failed_ = false;
  bool closed_ = false;
  std::int64_t last_flush_ns_ = 0;
  std::int64_t failed_at_ns_ = 0;
  std::int64_t now_ns_ = 0;
  std::uint64_t frames_in_ = 0;
  std::uint64_t bytes_done_ = 0;  // bytes of finished streams
  std::uint64_t streams_ = 0;
  std::uint64_t errors_ = 0;
  double cpu_seconds_ = 0;
  std::string last_error_;
};

}  // namespace crowdmesh::encoder

#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/pcm_format.hpp"

namespace crowdmesh::encoder {

/// The audio codecs an encoder output can produce.
enum class Codec { opus, flac, mp3 };

/// "opus", "flac", "mp3".
const char* to_string(Codec c);
/// MIME type of the stream: "audio/ogg" (Ogg/Opus), "audio/flac", "audio/mpeg".
const char* content_type(Codec c);
/// File extension without the dot: "opus", "flac", "mp3".
const char* file_extension(Codec c);

/// Codec settings of one output. Ranges are checked by make_stream_encoder().
struct CodecSettings {
  Codec codec = Codec::opus;
  /// Opus: 6..510 kb/s (VBR, libopusenc). MP3: CBR, one of LAME's MPEG-1
  /// Layer III rates 32..320 kb/s. Ignored by FLAC.
  int bitrate_kbps = 96;
  /// FLAC compression level 0..8 (libFLAC presets; 5 = flac's default).
  int flac_level = 5;
  /// Opus encoder complexity 0..10 (10 = best); LAME quality 0..9 maps from
  /// it as 9 − complexity·0.7 rounded (10 → 2, LAME's "-q 2" recommended).
  int complexity = 10;
};

/// Tags written into the stream's header (Vorbis comments, FLAC
/// VORBIS_COMMENT block, ID3v2). Empty fields are left out.
struct StreamMetadata {
  std::string title;  ///< e.g. the track now playing on the mix
  std::string artist;
  std::string album;  ///< e.g. the installation / room name
};

/// One encoded stream (one file, or one Icecast stream until it restarts).
/// Encodes interleaved float PCM (−1..1) of a fixed PcmFormat and writes the
/// bytes to its ByteOutput as soon as the codec produces them.
///
/// Crash safety: after flush(), everything encoded so far is in the output in
/// a decodable state (complete Ogg pages, FLAC frames, MP3 frames) apart from
/// the codec's own look-ahead (< 100 ms); the owner calls flush() at least once
/// per second, so a killed process loses at most about one second.
/// finish() ends the stream cleanly: drains the codec, writes the last
/// page/frame and, when the output is seekable, rewrites the headers (FLAC
/// STREAMINFO total samples + MD5 and seek table, LAME Info/Xing tag).
///
/// Thread contract: one owner thread. Not copyable. After finish() (or an
/// error from it) only frames_in()/bytes_out() may be called.
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  /// Encodes `frames` frames of `format().channels` interleaved floats.
  /// Samples outside −1..1 are clipped by the codec's integer conversion
  /// where it has one (FLAC 24-bit, MP3 16-bit); NaN is treated as 0.
  /// Errors: errc::io_error when the output refused bytes (the sentence names
  /// the codec), errc::internal when the codec library fails (with its message).
  virtual caf::expected<void> encode(const float* interleaved, std::size_t frames) = 0;
  /// Pushes everything encoded so far to the output in a decodable state
  /// (see class comment). Cheap when nothing is pending.
  virtual caf::expected<void> flush() = 0;
  /// Ends the stream (see class comment). Idempotent.
  virtual caf::expected<void> finish() = 0;
  /// Frames passed to encode() so far.
  virtual std::uint64_t frames_in() const = 0;
  /// Bytes handed to the output so far (header rewrites not counted twice).
  virtual std::uint64_t bytes_out() const = 0;
  virtual Codec codec() const = 0;
  virtual PcmFormat format() const = 0;
};

/// Creates an encoder for `settings` that writes to `out` (which must outlive
/// it) and writes the stream headers at once.
/// Errors: errc::value_out_of_range naming the setting, its value and its
/// allowed range (bitrate, level, complexity, rate, channels: 1..8 for Opus
/// and FLAC, 1..2 for MP3; rates 8000..192000 Hz for Opus and FLAC, LAME's
/// 8..48 kHz set for MP3);
/// errc::internal with the library's message when it refuses to start.
caf::expected<std::unique_ptr<StreamEncoder>> make_stream_encoder(const CodecSettings& settings, PcmFormat format,
                                                                  ByteOutput& out, const StreamMetadata& meta = {});

}  // namespace crowdmesh::encoder

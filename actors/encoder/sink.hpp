#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "caf/expected.hpp"
#include "encoder/byte_output.hpp"
#include "encoder/pcm_format.hpp"
#include "encoder/stream_encoder.hpp"

namespace crowdmesh::encoder {

/// Life of a sink, as reported in EncoderStats and `control_node top`.
enum class SinkState {
  idle,         ///< no stream begun yet
  open,         ///< file sink: a file is open and being written
  connecting,   ///< Icecast: a connection attempt is under way
  connected,    ///< Icecast: the server accepted the source; bytes flow
  backoff,      ///< Icecast: unreachable or dropped; waiting before the next attempt
  auth_failed,  ///< Icecast: login refused (wrong user/password/mount); slow retry
  failed,       ///< cannot write (e.g. file not creatable); the reason is in last_error
  closed,       ///< stopped cleanly
};
/// "idle", "open", "connecting", ...
const char* to_string(SinkState s);

/// What the next stream will carry; given to begin_stream().
struct StreamInfo {
  Codec codec = Codec::opus;
  PcmFormat format;
  int bitrate_kbps = 0;  ///< nominal (0 = variable/lossless)
  std::string title;     ///< now playing, for Icecast metadata
};

/// Options of a sink that come from the output's settings, not from its URL.
struct SinkOptions {
  /// File sinks: start a new file after this many seconds (0 = never).
  double rotate_seconds = 0;
  /// Icecast: first retry delay and its cap (doubled after each failure), s.
  double backoff_initial_seconds = 1.0;
  double backoff_max_seconds = 30.0;
  /// Icecast: retry delay after a refused login (no tight loop), s.
  double auth_retry_seconds = 60.0;
  /// Icecast: bytes queued towards the server before new ones are dropped
  /// (counted; the stream restarts with fresh headers).
  std::size_t queue_bytes = 1 << 20;
  /// Icecast stream name / description shown to listeners.
  std::string stream_name = "Crowdmesh";
};

/// Counters and state of one sink. Plain values (a snapshot).
struct SinkStatus {
  SinkState state = SinkState::idle;
  /// Absolute path of the current file, or the Icecast URL without password.
  std::string target;
  /// Last failure in a sentence naming the path or server; empty if none.
  std::string last_error;
  std::uint64_t bytes_written = 0;     ///< bytes accepted by the file/server
  std::uint64_t bytes_dropped = 0;     ///< Icecast: bytes discarded (not connected, queue full)
  std::uint64_t streams = 0;           ///< files opened / streams begun
  std::uint64_t reconnects = 0;        ///< Icecast: successful connections after the first
  double retry_in_seconds = 0;         ///< Icecast in backoff/auth_failed: time to the next attempt
  std::uint64_t errors = 0;            ///< failed writes (file); failed connections and sends (Icecast)
  std::uint64_t connect_attempts = 0;  ///< Icecast: connection attempts so far (successful or not)
};

/// Destination of one encoder output. The owner (an encoder output) drives it
/// from one thread:
///   begin_stream() → encoder writes via ByteOutput → poll() regularly (≥ 4 Hz)
///   → when wants_new_stream(): encoder.finish(), end_stream(), begin_stream()
///   → ... → end_stream() at stop.
/// Sinks never block their owner on the network: Icecast I/O runs on the
/// sink's own thread behind a bounded queue.
class Sink : public ByteOutput {
 public:
  /// Starts a new stream: the file sink creates a new file (strftime pattern
  /// expanded at the current local time; an existing file is never
  /// overwritten: "-2", "-3" ... is added before the extension). Icecast: marks
  /// a stream boundary (the connection is independent).
  /// Errors: errc::io_error with the absolute path and the system's reason
  /// ("cannot create /rec/x.flac: Permission denied"); the state becomes failed.
  virtual caf::expected<void> begin_stream(const StreamInfo& info) = 0;
  /// Ends the current stream: flushes and closes the file (Icecast: nothing).
  virtual void end_stream() = 0;
  /// True when the owner should end the stream and begin a new one now: file
  /// rotation is due; Icecast (re)connected or dropped bytes, so listeners need
  /// fresh headers; the title changed on an Ogg stream (in-band metadata).
  virtual bool wants_new_stream() = 0;
  /// Now playing. Icecast MP3: sent as stream metadata; Ogg: asks for a new
  /// stream (wants_new_stream) whose header carries the title. Files: ignored.
  virtual void set_title(const std::string& title) { (void)title; }
  /// Regular housekeeping from the owner's thread (≥ 4 Hz): pushes written
  /// bytes to the kernel (files) so a killed process loses nothing written.
  virtual void poll() {}
  /// A snapshot of state and counters. Any thread.
  virtual SinkStatus status() const = 0;
};

/// Parses a sink URL and creates the sink (nothing is opened or connected
/// before begin_stream()):
///   file:PATH                       (PATH may hold strftime fields, e.g. %Y%m%d-%H%M%S; relative
///                                    paths are made absolute against the working directory;
///                                    file:///abs/path is accepted too)
///   icecast://USER:PASS@HOST:PORT/MOUNT   (Icecast 2 over HTTP; USER defaults to "source" in the
///                                    forms :PASS@ and PASS@; PORT defaults to 8000; HOST may be
///                                    [IPv6]; USER and PASS may hold %XX escapes)
/// Errors: errc::value_out_of_range naming the URL (password shown as ***) and the
/// accepted forms, or naming an out-of-range option; errc::unsupported_format when
/// the codec cannot go to that sink (FLAC to Icecast).
caf::expected<std::unique_ptr<Sink>> make_sink(const std::string& url, Codec codec, const SinkOptions& options = {});

}  // namespace crowdmesh::encoder

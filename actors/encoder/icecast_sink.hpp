#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "encoder/sink.hpp"

namespace crowdmesh::encoder {

/// Where an IcecastSink sends its source stream (parsed from
/// `icecast://USER:PASS@HOST:PORT/MOUNT` by make_sink()).
struct IcecastTarget {
  std::string host = "127.0.0.1";  ///< name or address (IPv6 without brackets)
  int port = 8000;                 ///< TCP port, 1..65535
  std::string user = "source";     ///< source user name
  std::string password;            ///< source password (never shown in status or logs)
  std::string mount = "/stream";   ///< mount point, starts with '/'

  /// `icecast://USER@HOST:PORT/MOUNT` (no password), for status and logs.
  std::string display() const;
};

/// A Sink that sends the stream as an Icecast 2 source over HTTP (libshout
/// 2.4.6, PUT/SOURCE). Ogg/Opus goes out as "audio/ogg", MP3 as "audio/mpeg";
/// FLAC is not supported (make_sink() refuses it).
///
/// Threads: all network I/O runs on the sink's own thread, started by the
/// first begin_stream(). write() only appends to a bounded byte queue
/// (SinkOptions::queue_bytes) and never blocks on the network. Bytes are
/// dropped (counted in bytes_dropped; write() still returns true, dropping is
/// this sink's normal answer to a missing listener path) while not connected,
/// while a fresh stream is awaited, or when the queue is full; a full queue and
/// every (re)connection in the middle of a stream make wants_new_stream() true
/// and drop the rest of that stream, so that listeners always get the codec's
/// headers first.
///
/// Connection (libshout non-blocking mode, polled every 10 ms):
///  - unreachable/refused/socket errors, a send error, or a connection
///    attempt or send backlog stuck for 10 s → state backoff; the next attempt
///    waits backoff_initial_seconds, doubled after each failure up to
///    backoff_max_seconds (retry_in_seconds shows the time left). A successful
///    connection resets the delay; connections after the first count in
///    `reconnects`.
///  - login refused (SHOUTERR_NOLOGIN: wrong user/password, or the mount is
///    in use by another source) → state auth_failed with "icecast HOST:PORT
///    refused source login for MOUNT as 'USER': wrong password or mount in
///    use?"; the next attempt comes only after auth_retry_seconds.
///
/// Metadata: the stream name (SinkOptions::stream_name) goes out as the
/// ice-name header. set_title() on MP3 sends `song=TITLE` through Icecast's
/// /admin/metadata (libshout shout_set_metadata_utf8) from the sink thread,
/// again after each reconnection; on Ogg it makes wants_new_stream() true (the
/// new stream's Vorbis comments carry the title).
///
/// Stop: the destructor asks the thread to close the connection and waits for
/// it at most 2 s (non-blocking connects and sends are abandoned at once). Only
/// a call that libshout makes blocking (host name resolution, the metadata
/// request to a server that stops answering) can take longer; the thread is
/// then detached and finishes on its own, holding no reference to the sink.
///
/// Thread contract: one owner thread calls everything except status(), which
/// any thread may call.
class IcecastSink final : public Sink {
 public:
  /// Nothing is connected before begin_stream(). `codec`: opus or mp3 (a FLAC
  /// sink refuses begin_stream() with errc::unsupported_format).
  IcecastSink(IcecastTarget target, Codec codec, SinkOptions options = {});
  /// Stops the sink thread (see class comment) and closes the connection.
  ~IcecastSink() override;
  IcecastSink(const IcecastSink&) = delete;
  IcecastSink& operator=(const IcecastSink&) = delete;

  /// MIME type sent to Icecast: "audio/ogg" (Opus), "audio/mpeg" (MP3),
  /// "audio/flac" (not sendable, for messages).
  static const char* mime_type(Codec codec);

  /// Where this sink sends (as parsed; the password included).
  const IcecastTarget& target() const { return target_; }
  Codec codec() const { return codec_; }

  caf::expected<void> begin_stream(const StreamInfo& info) override;
  void end_stream() override;
  bool wants_new_stream() override;
  void set_title(const std::string& title) override;
  SinkStatus status() const override;

  bool write(const std::uint8_t* data, std::size_t n) override;
  std::uint64_t tell() const override { return pos_; }

  struct Shared;  ///< state shared with the sink thread (defined in the .cpp)

 private:
  IcecastTarget target_;
  Codec codec_;
  SinkOptions options_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  std::uint64_t pos_ = 0;
};

}  // namespace crowdmesh::encoder

#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"
#include "encoder/pcm_format.hpp"
#include "encoder/sink.hpp"

namespace crowdmesh::encoder {

/// One output (preset → sink) of an encoder. A snapshot of plain values.
struct OutputStats {
  std::string name;             ///< output id (the preset name unless name= was given)
  std::string codec;            ///< "opus", "flac", "mp3"
  int bitrate_kbps = 0;         ///< nominal (0 for FLAC)
  SinkStatus sink;              ///< state, current file or URL, bytes, reconnects, last error
  std::uint64_t frames_in = 0;  ///< frames encoded since start (all streams)
  std::uint64_t bytes_out = 0;  ///< encoded bytes produced since start
  /// Audio seconds encoded per CPU second spent in effects + codec (thread CPU
  /// time): > 1 means faster than real time. 0 before any audio.
  double realtime_factor = 0;
  std::uint64_t streams = 0;  ///< streams begun (files, Icecast stream restarts)
  std::uint64_t errors = 0;   ///< encode/open failures
  std::string last_error;     ///< the latest failure in a sentence; empty if none
};

/// One encoder (a stream in, several outputs). A snapshot of plain values.
struct EncoderStats {
  std::string stream_id;               ///< stream being encoded (empty before the first chunk)
  std::string source;                  ///< "local mixer" or the endpoint subscribed to
  PcmFormat format;                    ///< of the stream (0 before the first chunk)
  std::string title;                   ///< now playing, as the stream says
  std::uint64_t chunks = 0;            ///< chunks accepted in order
  std::uint64_t frames_in = 0;         ///< frames handed to the outputs (concealment included)
  std::uint64_t gaps = 0;              ///< sequence gaps seen (network loss or own drops)
  std::uint64_t lost_chunks = 0;       ///< chunks missing in those gaps
  std::uint64_t concealed_frames = 0;  ///< silence inserted (with fades) for them
  std::uint64_t late_chunks = 0;       ///< duplicates / out of order, dropped
  std::uint64_t dropped_chunks = 0;    ///< dropped on arrival because the encoder was behind (backlog full)
  std::uint64_t backlog_frames = 0;    ///< frames received but not yet encoded
  std::uint64_t format_changes = 0;    ///< rate/channel changes mid-stream (outputs reopened)
  std::uint64_t restarts = 0;          ///< sender restarts or gaps too long to conceal (new files)
  std::uint64_t nonfinite_samples = 0; ///< NaN/±inf samples received, encoded as silence
  std::vector<OutputStats> outputs;
};

}  // namespace crowdmesh::encoder

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::encoder::EncoderStats)

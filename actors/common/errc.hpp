#pragma once
#include <cstdint>
#include <string>

namespace crowdmesh {

/// Project error codes, shared by cores, actor replies and the wire schema
/// (`crowdmesh.v1.ErrorCode` uses the same numbers). Every error also carries a
/// human sentence (see error.hpp) that names the thing: the absolute path
/// tried, the value and its allowed range, the unknown deck.
enum class errc : uint8_t {
  file_not_found = 1,    ///< path does not exist; sentence has the absolute path
  unreadable_file,       ///< exists but cannot be decoded (corrupt, truncated, not audio)
  unsupported_format,    ///< decodable container/codec we do not support
  unsupported_channels,  ///< channel count outside the supported range
  unknown_deck,          ///< deck name not in A–D
  unknown_buffer,        ///< buffer id not loaded on that deck
  value_out_of_range,    ///< NaN, inf or outside the allowed range (sentence has the range)
  not_ready,             ///< deck/buffer still loading or failed
  device_not_found,      ///< no audio device with that name or index
  device_error,          ///< the audio backend failed to open/start/stop
  timeout,               ///< a request got no answer in time
  io_error,              ///< writing a file failed
  internal,              ///< a broken invariant inside Crowdmesh
  not_allowed,           ///< refused by policy (a path outside the media roots); the sentence does not reveal more
};

/// Stable lower-case name of an error code, e.g. "file_not_found".
std::string to_string(errc code);

}  // namespace crowdmesh

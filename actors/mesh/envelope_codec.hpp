#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "crowdmesh/v1/envelope.pb.h"

namespace crowdmesh::mesh {

/// The one protocol version this code speaks (Envelope.protocol_version).
constexpr std::uint32_t kProtocolVersion = 1;

/// Default limit of one envelope frame, bytes (docs/PROTOCOL.md, Size limit).
constexpr std::size_t kDefaultMaxMessageBytes = 1 << 20;

/// Longest `source` or `target` address an envelope may carry, bytes. A node
/// name has at most 64 characters and an actor name is short ("node/actor",
/// "node/osc"); a longer address is malformed, and would otherwise be kept
/// (forward table, scheduled commands) and echoed in replies.
constexpr std::size_t kMaxAddressBytes = 256;

/// Why a frame was rejected: the wire code and a sentence for the Error reply.
struct WireError {
  /// MESSAGE_TOO_LARGE, MALFORMED_MESSAGE, VERSION_MISMATCH or UNKNOWN_PAYLOAD.
  crowdmesh::v1::ErrorCode code = crowdmesh::v1::ERROR_CODE_UNSPECIFIED;
  /// Full sentence naming sizes / versions, e.g.
  /// "message of 2000000 bytes exceeds the limit of 1048576 bytes".
  std::string message;
  /// The frame's correlation id when it could be parsed, else 0.
  std::uint64_t correlation_id = 0;
  /// The frame's source when it could be parsed (replies go there), else "".
  std::string source;
};

/// Parses and checks one frame (one serialized Envelope), in this order:
/// size > max_bytes → MESSAGE_TOO_LARGE (not parsed, correlation id 0);
/// unparseable → MALFORMED_MESSAGE (correlation id 0);
/// source or target longer than kMaxAddressBytes → MALFORMED_MESSAGE
/// (correlation id 0, source "": the address is not echoed);
/// protocol_version != kProtocolVersion → VERSION_MISMATCH;
/// no payload → UNKNOWN_PAYLOAD. Never throws; safe on any bytes.
/// Thread-safe (pure).
std::variant<crowdmesh::v1::Envelope, WireError> decode_envelope(const void* data, std::size_t size,
                                                                 std::size_t max_bytes);

/// Serializes an envelope into one frame's bytes. Thread-safe (pure).
std::string encode_envelope(const crowdmesh::v1::Envelope& env);

/// A reply envelope to `request` (protocol version 1, source = `source`,
/// target = request.source, same correlation id, send_time_ns = send_time_ns)
/// carrying `reply`. Thread-safe (pure).
crowdmesh::v1::Envelope make_reply(const crowdmesh::v1::Envelope& request, const std::string& source,
                                   crowdmesh::v1::Reply reply, std::int64_t send_time_ns);

/// An Error reply to `request_or_empty` (pass a default Envelope when the
/// request could not be parsed: target "" and correlation id 0), as
/// make_reply(); send_time_ns is this host's monotonic clock (the gateway
/// restamps it with mesh time when it sends). Thread-safe (pure).
crowdmesh::v1::Envelope make_error_reply(const crowdmesh::v1::Envelope& request_or_empty, const std::string& source,
                                         crowdmesh::v1::ErrorCode code, const std::string& message);

}  // namespace crowdmesh::mesh

#include "mesh/envelope_codec.hpp"

#include <limits>

#include "mesh/monotonic_clock.hpp"

namespace crowdmesh::mesh {

std::variant<crowdmesh::v1::Envelope, WireError> decode_envelope(const void* data, std::size_t size,
                                                                 std::size_t max_bytes) {
  using crowdmesh::v1::Envelope;
  if (size > max_bytes) {
    return WireError{
        crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE,
        "message of " + std::to_string(size) + " bytes exceeds the limit of " + std::to_string(max_bytes) + " bytes",
        0,
        {}};
  }
  Envelope env;
  bool parsed = false;
  if (size <= static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    try {
      parsed = env.ParseFromArray(data, static_cast<int>(size));
    } catch (...) {
      parsed = false;
    }
  }
  if (!parsed) {
    return WireError{crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE,
                     "message of " + std::to_string(size) + " bytes is not a parsable crowdmesh.v1.Envelope",
                     0,
                     {}};
  }
  if (env.source().size() > kMaxAddressBytes || env.target().size() > kMaxAddressBytes) {
    const bool source = env.source().size() > kMaxAddressBytes;
    return WireError{crowdmesh::v1::ERROR_CODE_MALFORMED_MESSAGE,
                     std::string(source ? "source" : "target") + " address of " +
                         std::to_string(source ? env.source().size() : env.target().size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxAddressBytes) + " bytes",
                     0,
                     {}};
  }
  if (env.protocol_version() != kProtocolVersion) {
    return WireError{crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH,
                     "protocol version " + std::to_string(env.protocol_version()) +
                         " is not supported (this node speaks " + std::to_string(kProtocolVersion) + ")",
                     env.correlation_id(), env.source()};
  }
  if (env.payload_case() == Envelope::PAYLOAD_NOT_SET) {
    return WireError{crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD,
                     "envelope from '" + env.source() + "' has no payload this node knows (empty, or a newer sender)",
                     env.correlation_id(), env.source()};
  }
  return env;
}

std::string encode_envelope(const crowdmesh::v1::Envelope& env) { return env.SerializeAsString(); }

crowdmesh::v1::Envelope make_reply(const crowdmesh::v1::Envelope& request, const std::string& source,
                                   crowdmesh::v1::Reply reply, std::int64_t send_time_ns) {
  crowdmesh::v1::Envelope out;
  out.set_protocol_version(kProtocolVersion);
  out.set_source(source);
  out.set_target(request.source());
  out.set_correlation_id(request.correlation_id());
  out.set_send_time_ns(send_time_ns);
  *out.mutable_reply() = std::move(reply);
  return out;
}

crowdmesh::v1::Envelope make_error_reply(const crowdmesh::v1::Envelope& request_or_empty, const std::string& source,
                                         crowdmesh::v1::ErrorCode code, const std::string& message) {
  crowdmesh::v1::Reply reply;
  reply.mutable_error()->set_code(code);
  reply.mutable_error()->set_message(message);
  return make_reply(request_or_empty, source, std::move(reply), monotonic_now_ns());
}

}  // namespace crowdmesh::mesh

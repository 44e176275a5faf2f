#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "osc/osc_mapping.hpp"

namespace crowdmesh::osc {

/// Deepest nesting of OSC bundles the bridge unpacks; deeper ones are malformed.
constexpr int kMaxBundleDepth = 8;

/// One element of a received OSC datagram: a message with its decoded
/// arguments, or a part that could not be decoded.
struct OscElement {
  /// The message's OSC address; "" when the packet has no readable address,
  /// "#bundle" for a broken bundle.
  std::string address;
  /// The arguments (liblo's decoding, turned into OscArg as map_osc() wants
  /// them: T/F become 'i' 1/0, other tags are kept). Empty when malformed.
  std::vector<OscArg> args;
  /// Why the element is malformed (the sentence the sender gets back); empty
  /// for a well-formed message.
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Decodes one UDP datagram of OSC, a message or a bundle (nested up to
/// kMaxBundleDepth; time tags are ignored, elements apply now), and calls
/// `each` once per element, in packet order. A bundle whose element overruns
/// it yields its earlier elements, then one malformed "#bundle" element, and
/// stops. liblo decodes messages (lo_message_deserialise). Never reads
/// outside data[0, size); `data` is not modified. Not real-time (allocates).
/// Thread-safe (pure).
void decode_osc_packet(const char* data, std::size_t size, const std::function<void(OscElement&&)>& each);

}  // namespace crowdmesh::osc

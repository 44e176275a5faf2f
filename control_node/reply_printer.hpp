#pragma once
#include <string>

#include "caf/expected.hpp"
#include "crowdmesh/v1/envelope.pb.h"

namespace crowdmesh::control {

/// Renders reply envelopes for the operator: human text (one line per reply,
/// tables for node lists and node status) or JSON via protobuf's
/// MessageToJsonString with proto field names. Pure functions; thread-safe.
class ReplyPrinter {
 public:
  /// The node part of the envelope's source ("room-c/mixer" → "room-c");
  /// "?" when the source is empty.
  static std::string node_of(const v1::Envelope& envelope);

  /// True when the envelope carries an Ok reply.
  static bool is_ok(const v1::Envelope& envelope);

  /// Human text of a reply, ending in '\n'. Ok: "room-c: ok — deck A: playing
  /// frontiers.mp3 12.3 s", a table for NodeList and NodeStatus. Error (and
  /// anything that is not a reply): error_text().
  static std::string text(const v1::Envelope& envelope);

  /// For stderr: "room-c: <error sentence>\n" (the code's name when the node
  /// sent no sentence).
  static std::string error_text(const v1::Envelope& envelope);

  /// One line of JSON (no trailing newline) for any message, proto field
  /// names, primitive fields printed even when zero. Errors: internal when
  /// protobuf refuses the message.
  static caf::expected<std::string> json(const google::protobuf::Message& message);

  /// For --to '*': {"node": "<node_of>", "reply": <Reply JSON>} on one line.
  static caf::expected<std::string> json_with_node(const v1::Envelope& envelope);
};

}  // namespace crowdmesh::control

#pragma once
#include <memory>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/expected.hpp"
#include "caf/scoped_actor.hpp"
#include "common/mesh_config.hpp"
#include "node_security.hpp"
#include "encoder/encoder_actor.hpp"
#include "mesh/audio_subscriber.hpp"

namespace crowdmesh::node {

/// The encoder role of a node: one encoder actor with every output asked
/// for (`--encode` / `[nodes.X.encoder] outputs`), fed either by this node's
/// mixer (through inbox(), from MasterStream) or by another node's audio PUB
/// (an AudioSubscriber on the source endpoint).
class EncoderRole {
 public:
  /// Parses every spec (errors name the spec: unknown preset, bad key, bad
  /// sink URL, FLAC to Icecast) and spawns the encoder actor. With a
  /// non-empty `source_endpoint` it subscribes to that stream; else the
  /// caller feeds inbox(). `max_backlog_seconds`: audio that may wait before
  /// chunks are dropped (2 s live; an offline render, which outpaces real
  /// time, uses a long one so that nothing is dropped). `security` and
  /// `source_key` (the source node's public key): a CURVE subscription
  /// (docs/SECURITY.md); plain by default.
  static caf::expected<std::unique_ptr<EncoderRole>> start(caf::actor_system& sys,
                                                           const std::vector<std::string>& specs,
                                                           const std::string& source_endpoint,
                                                           const std::string& stream, double max_backlog_seconds = 2.0,
                                                           const mesh::MeshSecurity& security = {},
                                                           const std::string& source_key = "");
  ~EncoderRole();
  /// Where a local producer offers chunks.
  std::shared_ptr<encoder::EncoderInbox> inbox() const { return inbox_; }
  encoder::EncoderActor actor() const { return actor_; }
  /// Current stats (2 s timeout; empty stats on timeout).
  encoder::EncoderStats stats(caf::scoped_actor& self);
  /// Unsubscribes, finishes every output (headers finalised), returns the
  /// final stats. Idempotent.
  encoder::EncoderStats stop(caf::scoped_actor& self);

 private:
  EncoderRole() = default;
  std::shared_ptr<encoder::EncoderInbox> inbox_;
  encoder::EncoderActor actor_;
  std::unique_ptr<mesh::AudioSubscriber> subscriber_;
  bool stopped_ = false;
  encoder::EncoderStats final_;
};

/// The endpoint to subscribe to for `source`: "" stays "" (local mixer); a
/// node name of the mesh gives its audio endpoint (a wildcard bind host
/// such as 0.0.0.0 or * is replaced by that node's control host); anything
/// else is taken as a ZeroMQ endpoint.
std::string resolve_audio_source(const MeshConfig& mesh, const std::string& source);

/// The public key of the node whose stream `source` names (a node name, or
/// a node's audio endpoint as resolve_audio_source() gives it); "" in plain
/// mode or for the local mixer. Errors (curve mode): value_out_of_range when
/// `source` is no node of the mesh config (its key is unknown).
caf::expected<std::string> audio_source_key(const MeshConfig& mesh, const NodeSecurity& security,
                                            const std::string& source);

}  // namespace crowdmesh::node

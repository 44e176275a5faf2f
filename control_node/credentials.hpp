#pragma once
#include <optional>
#include <string>

#include "caf/expected.hpp"
#include "control_node/request.hpp"
#include "mesh/curve_keys.hpp"

namespace crowdmesh::control {

/// What a CURVE client needs: its key pair and the node's public key.
struct ClientCredentials {
  mesh::CurveKeyPair own;
  std::string server_key;
  /// Where the key pair came from (absolute path), for messages.
  std::string key_file;
};

/// The default operator key file: $HOME/.config/crowdmesh/operator.key
/// ("" when HOME is not set).
std::string default_operator_key_file();

/// Decides how control_node connects to `endpoint` (docs/SECURITY.md):
///  - the node's public key: --server-key, else the node of --config whose
///    control or events endpoint is `endpoint`;
///  - the key file: --key, else $CROWDMESH_KEY, else the default file when it
///    exists;
///  - plain (nullopt) when no node key is known and no --key was given.
/// Errors, each saying what to give: --key without a node key; a config in
/// curve mode without a key file; a config without a node at `endpoint`; a
/// bad --server-key; the key file's own errors. Reads files; thread-safe.
caf::expected<std::optional<ClientCredentials>> resolve_credentials(const Request& request,
                                                                    const std::string& endpoint);

/// `control_node keygen`: writes a new pair to request.keygen_out (default
/// default_operator_key_file()) and returns the text to print: the public
/// key, the file, and the mesh config lines to add. Errors: the writer's
/// (file exists, folder not writable), naming the absolute path.
caf::expected<std::string> run_keygen(const Request& request);

}  // namespace crowdmesh::control

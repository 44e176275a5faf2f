#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::mesh {

/// A CURVE key pair (Curve25519, ZeroMQ RFC 26), both halves 40 Z85 characters.
struct CurveKeyPair {
  /// Shared freely: listed in the mesh config (nodes.NAME.public_key,
  /// operators.NAME.public_key).
  std::string public_key;
  /// Never leaves the machine it was made on; kept in a 0600 key file.
  std::string secret_key;
};

/// A fresh key pair from libsodium's random source (zmq_curve_keypair).
/// Errors: errc::internal when libzmq was built without CURVE. Thread-safe.
caf::expected<CurveKeyPair> generate_curve_key_pair();

/// Reads a key file written by write_curve_key_file(): TOML with `public_key`
/// and `secret_key`. The file must be a regular file that only its owner can
/// read or write (mode 0600 or stricter, as ssh demands of its keys), and the
/// public key must be the one derived from the secret key. Errors, each
/// naming the absolute path: errc::file_not_found, errc::not_allowed (group
/// or others may read it: the sentence gives the mode and the chmod to run),
/// errc::unreadable_file (not a regular file, not TOML, a key missing,
/// malformed or not matching). Thread-safe.
caf::expected<CurveKeyPair> read_curve_key_file(const std::string& path);

/// Writes `pair` to a new file at `path` with mode 0600, creating missing
/// parent folders with mode 0700. `label` (a node or operator name) goes in
/// the file's comment. Never overwrites: errc::value_out_of_range when the
/// file exists; errc::io_error when it cannot be written (absolute path and
/// the system's reason). Thread-safe.
caf::expected<void> write_curve_key_file(const std::string& path, const CurveKeyPair& pair, const std::string& label);

}  // namespace crowdmesh::mesh

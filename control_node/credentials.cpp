#include "control_node/credentials.hpp"

#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/mesh_config.hpp"
#include "common/z85_key.hpp"

namespace crowdmesh::control {

std::string default_operator_key_file() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return (std::filesystem::path(home) / ".config" / "crowdmesh" / "operator.key").string();
}

caf::expected<std::optional<ClientCredentials>> resolve_credentials(const Request& request,
                                                                    const std::string& endpoint) {
  std::string server_key = request.server_key;
  bool mesh_uses_curve = false;
  if (!server_key.empty()) {
    const std::string problem = z85_key_problem(server_key);
    if (!problem.empty()) return make_error(errc::value_out_of_range, "--server-key " + problem);
  } else if (!request.config_path.empty()) {
    auto mesh = load_mesh_config(request.config_path);
    if (!mesh) return mesh.error();
    mesh_uses_curve = mesh->security.curve;
    const NodeConfig* found = nullptr;
    std::string known;
    for (const auto& n : mesh->nodes) {
      known += (known.empty() ? "" : ", ") + n.name + " " + n.endpoints.control;
      if (n.endpoints.control == endpoint || n.endpoints.events == endpoint) found = &n;
    }
    if (!found && mesh_uses_curve)
      return make_error(errc::value_out_of_range, "no node of " + mesh->origin + " has the endpoint " + endpoint +
                                                      " (nodes: " + known + "); give --connect one of them");
    if (found) server_key = found->public_key;
    if (!mesh_uses_curve) server_key.clear();  // a plain mesh: its nodes take no keys
  }
  std::string key_file = request.key_file;
  if (key_file.empty())
    if (const char* env = std::getenv("CROWDMESH_KEY"); env && *env) key_file = env;
  const bool explicit_key = !key_file.empty();
  if (key_file.empty() && !server_key.empty()) key_file = default_operator_key_file();
  if (server_key.empty()) {
    if (explicit_key && request.config_path.empty())
      return make_error(errc::value_out_of_range,
                        "a key file (--key or $CROWDMESH_KEY) needs the node's public key: give --config MESH.toml "
                        "or --server-key KEY");
    return std::optional<ClientCredentials>{};
  }
  std::error_code ec;
  if (!explicit_key && !std::filesystem::exists(key_file, ec))
    return make_error(errc::value_out_of_range,
                      "the node uses CURVE keys and this operator has none: make one with `control_node keygen`, "
                      "have its public key added to the mesh config's [operators], then pass --key FILE (default " +
                          key_file + ")");
  auto pair = mesh::read_curve_key_file(key_file);
  if (!pair) return pair.error();
  return std::optional<ClientCredentials>{ClientCredentials{*pair, server_key, key_file}};
}

caf::expected<std::string> run_keygen(const Request& request) {
  const std::string out = request.keygen_out.empty() ? default_operator_key_file() : request.keygen_out;
  if (out.empty()) return make_error(errc::value_out_of_range, "HOME is not set: give keygen --out FILE");
  auto pair = mesh::generate_curve_key_pair();
  if (!pair) return pair.error();
  if (auto written = mesh::write_curve_key_file(out, *pair, request.keygen_name); !written) return written.error();
  const std::string abs = std::filesystem::absolute(out).lexically_normal().string();
  const std::string& key = pair->public_key;
  return "public key: " + key + "\n" + "key pair written to " + abs +
         " (mode 0600; the secret key never leaves this machine)\n\n"
         "Add to the mesh config on every node, as an operator:\n"
         "  [operators." + request.keygen_name + "]\n"
         "  public_key = \"" + key + "\"\n"
         "or, for the node this file belongs to:\n"
         "  [nodes." + request.keygen_name + "]\n"
         "  public_key = \"" + key + "\"\n"
         "  secret_key_file = \"" + abs + "\"\n";
}

}  // namespace crowdmesh::control

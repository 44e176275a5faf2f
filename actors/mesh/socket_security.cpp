#include "mesh/socket_security.hpp"

namespace crowdmesh::mesh {

void secure_server(zmq::socket_t& s, const MeshSecurity& sec, const std::string& domain) {
  if (!sec.curve) return;
  s.set(zmq::sockopt::zap_domain, domain);
  s.set(zmq::sockopt::curve_server, 1);
  s.set(zmq::sockopt::curve_secretkey, sec.own.secret_key);
}

void secure_client(zmq::socket_t& s, const MeshSecurity& sec, const std::string& server_key) {
  if (!sec.curve) return;
  s.set(zmq::sockopt::curve_serverkey, server_key);
  s.set(zmq::sockopt::curve_publickey, sec.own.public_key);
  s.set(zmq::sockopt::curve_secretkey, sec.own.secret_key);
}

}  // namespace crowdmesh::mesh

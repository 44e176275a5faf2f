// libFuzzer harness: the mesh envelope codec (actors/mesh/envelope_codec.*).
//
// Feeds: the input bytes as one ZeroMQ frame that a gateway, a client or an
// audio subscriber receives from the network, to decode_envelope() with the
// default limit and with a limit below the input's size; an accepted envelope
// then goes where a gateway takes it: its target through parse_address() and
// route_command(), its source through printable(), and a reply is built
// (make_reply) and decoded again; a rejected one gets its Error reply built
// (make_error_reply) and encoded.
//
// Failure: any crash, sanitizer report (ASan, UBSan, LeakSanitizer) or
// timeout, an exception out of the codec (it must never throw), and a broken
// contract (abort with a message): a frame within the limit reported too
// large, a frame over it not reported so; an accepted envelope that does not
// re-encode to a frame that decodes again to the same bytes (deterministic
// serialization); a reply or Error reply that does not decode as an envelope.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "mesh/address.hpp"
#include "mesh/command_route.hpp"
#include "mesh/envelope_codec.hpp"

namespace {

using crowdmesh::mesh::WireError;
using crowdmesh::v1::Envelope;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "envelope_fuzz: %s\n", what);
  std::abort();
}

std::string deterministic_bytes(const Envelope& env) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    env.SerializeWithCachedSizes(&coded);  // ByteSizeLong() below caches the sizes first
  }
  return out;
}

std::string canonical(const Envelope& env) {
  (void)env.ByteSizeLong();
  return deterministic_bytes(env);
}

void check_decodes(const std::string& frame, const char* what) {
  auto again = crowdmesh::mesh::decode_envelope(frame.data(), frame.size(), crowdmesh::mesh::kDefaultMaxMessageBytes);
  if (std::holds_alternative<WireError>(again)) fail(what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mesh = crowdmesh::mesh;
  try {
    // A limit below the size must refuse the frame before parsing it.
    if (size > 0) {
      auto small = mesh::decode_envelope(data, size, size - 1);
      auto* err = std::get_if<WireError>(&small);
      if (err == nullptr || err->code != crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE)
        fail("a frame over the limit was not refused as too large");
    }

    auto decoded = mesh::decode_envelope(data, size, mesh::kDefaultMaxMessageBytes);
    if (auto* err = std::get_if<WireError>(&decoded)) {
      if (err->code == crowdmesh::v1::ERROR_CODE_MESSAGE_TOO_LARGE)
        fail("a frame within the limit was refused as too large");
      if (err->message.empty()) fail("a rejected frame has no sentence");
      Envelope request;
      if (err->code == crowdmesh::v1::ERROR_CODE_VERSION_MISMATCH ||
          err->code == crowdmesh::v1::ERROR_CODE_UNKNOWN_PAYLOAD) {
        request.set_source(err->source);
        request.set_correlation_id(err->correlation_id);
      }
      auto reply = mesh::make_error_reply(request, "room-a/gateway", err->code, err->message);
      check_decodes(mesh::encode_envelope(reply), "an Error reply does not decode");
      return 0;
    }
    const Envelope& env = std::get<Envelope>(decoded);

    // Re-encoding: the frame decodes again, to the same canonical bytes.
    const std::string frame = mesh::encode_envelope(env);
    auto again = mesh::decode_envelope(frame.data(), frame.size(), mesh::kDefaultMaxMessageBytes);
    if (!std::holds_alternative<Envelope>(again)) fail("an accepted envelope does not decode after re-encoding");
    if (canonical(std::get<Envelope>(again)) != canonical(env))
      fail("an accepted envelope changes through encode and decode");

    // Where a gateway takes it.
    (void)mesh::printable(env.source());
    if (auto target = mesh::parse_address(env.target())) {
      if (mesh::to_string(*target).empty()) fail("a parsed address prints as nothing");
      const std::vector<std::string> peers{"room-b", "room-c"};
      for (bool from_peer : {false, true}) {
        auto route = mesh::route_command(*target, "room-a", peers, from_peer);
        if (route.kind == mesh::CommandRoute::Kind::peer && route.peer >= peers.size())
          fail("route_command chose a peer index outside the peers");
        if (route.kind == mesh::CommandRoute::Kind::refused && route.sentence.empty())
          fail("a refused route has no sentence");
      }
    }
    auto reply = mesh::make_reply(env, "room-a/mixer", crowdmesh::v1::Reply{}, env.send_time_ns());
    check_decodes(mesh::encode_envelope(reply), "a reply does not decode");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "envelope_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

// libFuzzer harness: the OSC bridge's input path (actors/osc): one UDP
// datagram decoded by decode_osc_packet() (bundles, nesting, liblo's message
// decoding, the conversion of liblo's arguments) and every message in it
// mapped by map_osc() onto a mesh command, exactly as OscBridge's receive
// thread does before it dispatches (sockets and dispatch left out).
//
// Feeds: the input bytes as the datagram (libFuzzer's -max_len caps it; the
// bridge reads at most 65536 bytes).
//
// Failure: any crash, sanitizer report or timeout, an exception, and a broken
// contract (abort with a message): a malformed element without a sentence; a
// mapped message for an actor other than mixer, tempo or node, with a delay
// that is negative or not finite, or with a command (or prelude command) that
// has no payload; a refused message without a sentence.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "common/error.hpp"
#include "osc/osc_mapping.hpp"
#include "osc/osc_packet.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "osc_fuzz: %s\n", what);
  std::abort();
}

void check_command(const crowdmesh::v1::Command& c) {
  if (c.command_case() == crowdmesh::v1::Command::COMMAND_NOT_SET) fail("a mapped command has no payload");
  (void)c.ByteSizeLong();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace crowdmesh::osc;
  try {
    decode_osc_packet(reinterpret_cast<const char*>(data), size, [](OscElement&& element) {
      if (!element.ok()) {
        if (element.error.empty()) fail("a malformed element has no sentence");
        return;
      }
      auto mapped = map_osc(element.address, element.args);
      if (!mapped) {
        if (crowdmesh::error_sentence(mapped.error()).empty()) fail("a refused message has no sentence");
        return;
      }
      if (mapped->actor != "mixer" && mapped->actor != "tempo" && mapped->actor != "node")
        fail("a message mapped to an unknown actor");
      if (mapped->delay_seconds && !(std::isfinite(*mapped->delay_seconds) && *mapped->delay_seconds >= 0))
        fail("a mapped delay is negative or not finite");
      check_command(mapped->command);
      for (const auto& c : mapped->prelude) check_command(c);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "osc_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

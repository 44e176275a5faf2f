// libFuzzer harness: the mesh TOML config loader (actors/common/mesh_config.*),
// with toml++ compiled in so that its parser is instrumented too.
//
// Feeds: the input bytes as the text of a mesh.toml (deploy/mesh.example.toml
// and friends) to parse_mesh_config(), as audio_node and control_node do with
// --config.
//
// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable() in
// is_non_ascii_horizontal_whitespace() for code points in U+00A1..U+0499,
// U+2D6E..U+3167 and U+FB46..U+FEFE when one stands where whitespace may
// (upstream issue marzer/tomlplusplus#295, fixed after 3.3.0). This harness
// used to skip the first and last ranges and found the middle one ("sn 〔").
// parse_mesh_config() now refuses every non-ASCII character toml++ would
// test that way before the library sees the text (common/toml_text_check.*),
// so no input is skipped: the fuzzer checks that guard too.
//
// Failure: any crash, sanitizer report or timeout, an exception out of the
// parser (errors must come back as caf::error), and a broken contract (abort
// with a message): an error sentence that is empty or does not start with the
// origin; an accepted config with no nodes, a clock reference or tempo node
// that is not one of its nodes, a node name outside 1..64 characters,
// device/stream values outside their documented ranges, or a movement table
// that movement_table_problem() refuses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "common/mesh_config.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "mesh_config_fuzz: %s\n", what);
  std::abort();
}

const std::string kOrigin = "/fuzz/mesh.toml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto config = crowdmesh::parse_mesh_config(text, kOrigin);
    if (!config) {
      const std::string sentence = crowdmesh::error_sentence(config.error());
      if (sentence.rfind(kOrigin, 0) != 0) {
        std::fprintf(stderr, "sentence: %s\n", sentence.c_str());
        fail("an error sentence does not start with the origin");
      }
      return 0;
    }
    if (config->nodes.empty()) fail("a config without nodes was accepted");
    if (config->find(config->clock_reference) == nullptr) fail("the clock reference is not a node");
    if (!config->tempo_node.empty()) {
      const auto* tempo = config->find(config->tempo_node);
      if (tempo == nullptr || !tempo->has_role("tempo")) fail("the tempo node is not a node with the role tempo");
    }
    if (config->max_message_bytes < 1024 || config->max_message_bytes > 1073741824u)
      fail("max_message_bytes out of range");
    for (const auto& node : config->nodes) {
      if (node.name.empty() || node.name.size() > 64) fail("a node name outside 1..64 characters");
      const auto& d = node.device;
      if (d.sample_rate_hz < 8000 || d.sample_rate_hz > 384000 || d.buffer_frames < 16 || d.buffer_frames > 8192 ||
          d.channels < 1 || d.channels > 32)
        fail("device settings out of range");
      if (node.osc.enabled && !node.has_role("osc")) fail("OSC enabled on a node without the role osc");
      for (int port : node.osc.ports)
        if (port < 1 || port > 65535) fail("an OSC port out of range");
      if (node.stream.latency_ms < 20 || node.stream.latency_ms > 2000) fail("stream latency out of range");
      if (node.stream.opus_kbps < 6 || node.stream.opus_kbps > 510) fail("opus bitrate out of range");
    }
    if (crowdmesh::movement_table_problem(config->movement_bpm)) fail("an accepted movement table breaks the rule");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mesh_config_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

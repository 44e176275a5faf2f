// libFuzzer harness: the mesh TOML config loader (actors/common/mesh_config.*),
// with toml++ compiled in so that its parser is instrumented too.
//
// Feeds: the input bytes as the text of a mesh.toml (deploy/mesh.example.toml
// and friends) to parse_mesh_config(), as audio_node and control_node do with
// --config.
//
// Skipped inputs: those with a code point in U+00A1..U+0499, U+2D6E..U+3167
// or U+FB46..U+FEFE (accented Latin, Greek, Cyrillic, CJK symbols, Arabic
// presentation forms). toml++ 3.3.0 (Debian 12) reaches
// __builtin_unreachable() in is_non_ascii_horizontal_whitespace() for them
// (upstream issue marzer/tomlplusplus#295, fixed after 3.3.0) wherever its
// parser asks "is this whitespace?". parse_mesh_config() refuses such a
// character outside a string or a comment before toml++ sees the text
// (common/toml_text_check.*: 'é = 1', 'sn 〔', the middle range this harness
// missed until a CI run found it), but toml++ also scans a malformed value
// on into a string ('r =6["…ﻷ'), which that guard does not model. UBSan stops
// on each, so the fuzzer would rediscover them within seconds and find
// nothing else.
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

// True when the UTF-8 text holds a code point toml++ 3.3.0 cannot classify
// (see the header comment). Lenient decoding: a broken sequence is skipped.
bool has_toml_3_3_unclassified_code_point(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (b < 0xC0) continue;
    const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    if (i + len > n) return false;
    std::uint32_t c = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (p[i + k] & 0x3F);
    if ((c >= 0xA1 && c <= 0x499) || (c >= 0x2D6E && c <= 0x3167 && c != 0x3000) || (c >= 0xFB46 && c <= 0xFEFE))
      return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (has_toml_3_3_unclassified_code_point(data, size)) return -1;  // not added to the corpus
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

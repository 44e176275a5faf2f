// libFuzzer harness: the bpm_config.json loader of the tempo actor
// (actors/tempo/bpm_config_json.*, the original server's file format).
//
// Feeds: the input bytes as the text of a bpm_config.json to
// parse_bpm_config_json(), as audio_node does with --bpm-config.
//
// Failure: any crash, sanitizer report or timeout, an exception out of the
// parser (errors must come back as caf::error), and a broken contract (abort
// with a message): an error sentence that is empty or does not start with the
// origin; accepted settings outside the documented ranges (thresholds and
// movement_max_value 0..1, BPMs 20..300, transition 0..3600 s, all finite)
// or a movement table that movement_table_problem() refuses.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "tempo/bpm_config_json.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "bpm_config_fuzz: %s\n", what);
  std::abort();
}

const std::string kOrigin = "/fuzz/bpm_config.json";

bool within(double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto m = crowdmesh::tempo::parse_bpm_config_json(text, kOrigin);
    if (!m) {
      const std::string sentence = crowdmesh::error_sentence(m.error());
      if (sentence.rfind(kOrigin, 0) != 0) {
        std::fprintf(stderr, "sentence: %s\n", sentence.c_str());
        fail("an error sentence does not start with the origin");
      }
      return 0;
    }
    for (double t : {m->very_very_low, m->very_low, m->low, m->medium, m->movement_max_value})
      if (!within(t, 0.0, 1.0)) fail("an accepted threshold outside 0..1");
    for (double b : {m->bpm_very_very_low, m->bpm_very_low, m->bpm_low, m->bpm_medium, m->bpm_high_max, m->base_bpm})
      if (!within(b, 20.0, 300.0)) fail("an accepted BPM outside 20..300");
    if (!within(m->transition_time_seconds, 0.0, 3600.0)) fail("an accepted transition time outside 0..3600 s");
    if (crowdmesh::movement_table_problem(*m)) fail("an accepted movement table breaks the rule");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bpm_config_fuzz: exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}

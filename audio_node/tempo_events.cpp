#include "tempo_events.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "caf/all.hpp"
#include "common/log.hpp"

namespace crowdmesh::node {

crowdmesh::v1::Envelope tempo_event(double bpm, std::int64_t apply_at_ns) {
  crowdmesh::v1::Envelope env;
  auto* ev = env.mutable_event();
  ev->set_kind("tempo");
  ev->set_text("tempo " + std::to_string(bpm) + " BPM");
  (*ev->mutable_fields())["bpm"] = std::to_string(bpm);
  (*ev->mutable_fields())["apply_at_ns"] = std::to_string(apply_at_ns);
  return env;
}

void forward_tempo_event(const stretch::StretchActor& stretch, const crowdmesh::v1::Envelope& env) {
  if (!env.has_event() || env.event().kind() != "tempo") return;
  const auto& f = env.event().fields();
  auto bpm_it = f.find("bpm");
  auto at_it = f.find("apply_at_ns");
  char* end = nullptr;
  const double bpm = bpm_it == f.end() ? NAN : std::strtod(bpm_it->second.c_str(), &end);
  const long long at = at_it == f.end() ? -1 : std::strtoll(at_it->second.c_str(), nullptr, 10);
  if (!std::isfinite(bpm) || bpm <= 0 || at < 0) {
    static bool logged = false;
    if (!logged) spdlog::warn("tempo: malformed tempo event from {} ignored", env.source());
    logged = true;
    return;
  }
  caf::anon_send(stretch, tempo_atom_v, bpm, static_cast<std::int64_t>(at));
}

}  // namespace crowdmesh::node

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
  ev->mutable_tempo()->set_bpm(bpm);
  ev->mutable_tempo()->set_apply_at_ns(apply_at_ns);
  return env;
}

void forward_tempo_event(const stretch::StretchActor& stretch, const crowdmesh::v1::Envelope& env) {
  if (!env.has_event() || env.event().kind() != "tempo") return;
  const double bpm = env.event().has_tempo() ? env.event().tempo().bpm() : NAN;
  const std::int64_t at = env.event().has_tempo() ? env.event().tempo().apply_at_ns() : -1;
  if (!std::isfinite(bpm) || bpm <= 0 || at < 0) {
    static bool logged = false;
    if (!logged) spdlog::warn("tempo: malformed tempo event from {} ignored", env.source());
    logged = true;
    return;
  }
  caf::anon_send(stretch, tempo_atom_v, bpm, at);
}

}  // namespace crowdmesh::node

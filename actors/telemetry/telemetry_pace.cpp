#include "telemetry/telemetry_pace.hpp"

namespace crowdmesh::telemetry {

bool mixer_busy(const mixer::MixerStatus& status) {
  if (status.test_tone_hz > 0) return true;
  for (const auto& d : status.decks)
    for (const auto& b : d.buffers)
      if (b.state == mixer::BufferState::playing || b.state == mixer::BufferState::loading) return true;
  return false;
}

}  // namespace crowdmesh::telemetry

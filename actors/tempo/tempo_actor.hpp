#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

#include "caf/actor_system.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "common/mesh_config.hpp"

namespace crowdmesh::tempo {

/// What the tempo actor reports after every command and in status.
struct TempoReport {
  double movement = 0;       ///< last movement value (clamped to 0..1)
  double target_bpm = 0;     ///< where the ramp goes
  double current_bpm = 0;    ///< the tempo now
  double ramp_progress = 1;  ///< 0..1 of the running transition
  bool manual = false;       ///< set by set_tempo (not by movement)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TempoReport& x) {
  return f(caf::meta::type_name("TempoReport"), x.movement, x.target_bpm, x.current_bpm, x.ramp_progress, x.manual);
}

/// The movement-to-BPM actor (one per mesh, on the tempo node).
/// - (movement_atom, raw_value) → TempoReport: a movement level from the
///   detector; NaN/negative/inf → value_out_of_range; > 1 is clamped.
/// - (tempo_atom, bpm, ramp_seconds) → TempoReport: sets the tempo directly
///   (ramp 0 = immediate, as the original /set_tempo). 20..300 BPM.
/// - (status_atom) → TempoReport.
/// - (tick_atom): internal; publishes the tempo while it moves.
using TempoActor = caf::typed_actor<caf::replies_to<movement_atom, double>::with<TempoReport>,
                                    caf::replies_to<tempo_atom, double, double>::with<TempoReport>,
                                    caf::replies_to<status_atom>::with<TempoReport>, caf::reacts_to<tick_atom>>;

/// Settings of the tempo actor.
struct TempoActorConfig {
  MovementBpmSettings settings;                ///< the table, base BPM, transition time
  std::function<std::int64_t()> mesh_time_ns;  ///< mesh clock (required)
  /// Called with the tempo and the mesh time at which every room applies it
  /// (now + apply_lead): local stretch actor and the mesh's event socket.
  std::function<void(double bpm, std::int64_t apply_at_ns)> publish;
  std::chrono::milliseconds tick{20};  ///< publish period while the tempo moves
  /// Lead from a decision to its mesh time: every room must get it before the
  /// deck FIFOs (StretchConfig/SourceConfig::fifo_frames, 65 536 frames = 1.37 s
  /// at 48 kHz) hold the frame it applies to, so that each room changes at the
  /// same frame (see the stretch actor). Latency from apply_at to the audible
  /// change: 0 frames.
  std::chrono::milliseconds apply_lead{1500};
};

/// Spawns the tempo actor; it publishes the initial tempo at once.
TempoActor spawn_tempo_actor(caf::actor_system& sys, TempoActorConfig cfg);

}  // namespace crowdmesh::tempo

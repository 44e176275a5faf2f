#pragma once
#include <cstdint>

#include "crowdmesh/v1/envelope.pb.h"
#include "stretch/stretch_actor.hpp"

namespace crowdmesh::node {

/// The mesh-wide tempo as an event (topic "evt.<node>.tempo"): kind "tempo"
/// with a TempoChange (bpm, and apply_at_ns: the mesh time at which every
/// room applies it).
crowdmesh::v1::Envelope tempo_event(double bpm, std::int64_t apply_at_ns);

/// Hands a peer's tempo event to this node's stretch actor; ignores other
/// events, and tempo events without a TempoChange or with a bpm ≤ 0, NaN or
/// a negative apply_at_ns (logged once). Called on the gateway thread.
void forward_tempo_event(const stretch::StretchActor& stretch, const crowdmesh::v1::Envelope& env);

}  // namespace crowdmesh::node

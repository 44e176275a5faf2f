#pragma once
#include <optional>
#include <string>

#include "crowdmesh/v1/stats.pb.h"
#include "device/device_stats.hpp"
#include "encoder/encoder_stats.hpp"
#include "mixer/mixer_status.hpp"
#include "telemetry/level_analyzer.hpp"
#include "telemetry/process_stats.hpp"
#include "tempo/tempo_actor.hpp"

namespace crowdmesh::telemetry {

/// Device actor counters as the wire message (units as in stats.proto).
crowdmesh::v1::DeviceStats to_proto(const device::DeviceStats& s, const std::string& backend);

/// Mixer status as the wire message: decks that hold buffers, with file,
/// gain, levels, stretch method and reserve; master levels, plus the master
/// meter's loudness/clipping/silence when given.
crowdmesh::v1::MixerStats to_proto(const mixer::MixerStatus& s, const std::optional<LevelReport>& master);

/// Tempo actor report; `tempo_node` names where it runs.
crowdmesh::v1::TempoStats to_proto(const tempo::TempoReport& r, const std::string& tempo_node);

/// Encoder stats (input stream and every output).
crowdmesh::v1::EncoderTelemetry to_proto(const encoder::EncoderStats& s);

/// Process CPU and memory.
crowdmesh::v1::ProcessStats to_proto(const ProcessSample& s);

}  // namespace crowdmesh::telemetry

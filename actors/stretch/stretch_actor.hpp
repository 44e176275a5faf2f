#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/typed_actor.hpp"
#include "common/atoms.hpp"
#include "stretch/file_source.hpp"

namespace crowdmesh::stretch {

/// A process-local handle to an opened source: the stretch actor fills it, the
/// mixer reads it (consumer side of its FIFO).
struct SourceHandle {
  std::shared_ptr<FileSource> source;
};

/// Settings of the stretch actor (one per node).
struct StretchConfig {
  SourceConfig source;                                   ///< device rate/channels, quality, FIFO size
  std::chrono::milliseconds fill_interval{10};           ///< how often every FIFO is topped up
};

/// The stretch actor: owns the per-deck readers (decode → resample → FIFO) and
/// keeps every FIFO filled ahead of the play head. Runs detached (file I/O blocks).
///
/// - (open_atom, path, start_seconds, loop) → SourceHandle: opens, validates
///   and pre-fills a source. Errors: file_not_found (absolute path),
///   unreadable_file, unsupported_channels, unsupported_format, value_out_of_range
///   (negative/NaN start).
/// - (fill_atom) → bool: tops up every live source now; replies when done
///   (an offline render waits on it).
/// - (tick_atom): internal timer.
using StretchActor =
    caf::typed_actor<caf::replies_to<open_atom, std::string, double, bool>::with<SourceHandle>,
                     caf::replies_to<fill_atom>::with<bool>, caf::reacts_to<tick_atom>>;

/// Spawns the stretch actor (detached: it owns a thread for blocking file I/O).
StretchActor spawn_stretch_actor(caf::actor_system& sys, const StretchConfig& cfg);

}  // namespace crowdmesh::stretch

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::stretch::SourceHandle)

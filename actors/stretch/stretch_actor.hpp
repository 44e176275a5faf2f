#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/typed_actor.hpp"
#include "caf/meta/type_name.hpp"
#include "common/atoms.hpp"
#include "stretch/file_source.hpp"
#include "stretch/media_roots.hpp"

namespace crowdmesh::stretch {

/// A process-local handle to an opened source: the stretch actor fills it, the
/// mixer reads it (consumer side of its FIFO).
struct SourceHandle {
  std::shared_ptr<FileSource> source;
};

/// What the stretch actor reports: its buffering mode and the reserve of the
/// emptiest deck FIFO.
struct StretchStats {
  std::string mode = "relaxed";          ///< emergency | urgent | normal | relaxed
  std::uint64_t min_reserve_frames = 0;  ///< frames ready in the emptiest FIFO
  std::uint64_t fifo_capacity_frames = 0;
  std::uint32_t sources = 0;      ///< live sources
  double bpm = 0;                 ///< the mesh tempo applied now
  std::uint64_t emergencies = 0;  ///< times the reserve fell below the emergency mark
  /// Tempo changes that arrived after their frame was already in a FIFO
  /// (applied at once, a little late), and by how many frames in total.
  std::uint64_t late_tempo_changes = 0;
  std::uint64_t late_tempo_frames = 0;
  /// Loads refused: outside the media roots (errc::not_allowed).
  std::uint64_t opens_refused = 0;
  /// Opens given up after StretchConfig::open_timeout (errc::timeout), and
  /// those still running now (abandoned ones included).
  std::uint64_t open_timeouts = 0;
  std::uint32_t opens_in_flight = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StretchStats& x) {
  return f(caf::meta::type_name("StretchStats"), x.mode, x.min_reserve_frames, x.fifo_capacity_frames, x.sources, x.bpm,
           x.emergencies, x.late_tempo_changes, x.late_tempo_frames, x.opens_refused, x.open_timeouts,
           x.opens_in_flight);
}

/// Settings of the stretch actor (one per node).
struct StretchConfig {
  SourceConfig source;                         ///< device rate/channels, quality, FIFO size, method
  double initial_bpm = 120;                    ///< the mesh tempo until the tempo actor says otherwise
  std::function<std::int64_t()> mesh_time_ns;  ///< mesh clock; null = the local clock
  MediaRoots media_roots;                      ///< where loads may come from (default: anywhere)
  /// How long an open may take before the load fails with errc::timeout (the
  /// open goes on on its own thread and is dropped when it ends).
  std::chrono::milliseconds open_timeout{5000};
  /// Opens running at once, timed-out ones included (≥ 1); more fail with errc::not_ready.
  std::size_t max_opens_in_flight = 4;
};

/// Largest / smallest native BPM a track may declare.
constexpr double kMinNativeBpm = 20;
constexpr double kMaxNativeBpm = 300;

/// The stretch actor: owns the per-deck readers (decode → resample → FIFO) and
/// keeps every FIFO filled ahead of the play head. Runs detached (file I/O blocks).
///
/// - (open_atom, path, start_seconds, loop, native_bpm) → SourceHandle: resolves
///   the path inside the media roots, then opens, validates and pre-fills a
///   source that plays at tempo ratio = mesh BPM / native BPM, on a thread of
///   its own (FileOpener): the actor goes on filling the other decks meanwhile.
///   Errors: not_allowed (outside the media roots), file_not_found (absolute
///   path), unreadable_file (also: not a regular file), unsupported_channels,
///   unsupported_format, value_out_of_range (negative/NaN start, native BPM
///   outside 20..300), timeout (the open took longer than open_timeout),
///   not_ready (max_opens_in_flight opens still running).
/// - (open_atom, path, start_seconds, loop, native_bpm, end_seconds) →
///   SourceHandle: the same for a play region [start_seconds, end_seconds) of
///   the file (a song section): the source ends at end_seconds, or with loop
///   restarts at start_seconds there (SourceConfig::end_frame,
///   loop_begin_frame); end_seconds past the file's end, or 0, is the file's
///   end. value_out_of_range also for an end that is NaN or not after the start.
/// - (tempo_atom, bpm, apply_at_ns): the mesh tempo from the tempo actor; every
///   source's ratio changes when the mesh clock reaches apply_at_ns.
/// - (stats_atom) → StretchStats. The refill pace follows the reserve of the
///   emptiest FIFO (FillPolicy): small urgent batches when it runs low, bigger
///   cheaper ones when it is full.
/// - (fill_atom) → bool: tops up every live source now; replies when done
///   (an offline render waits on it).
/// - (tick_atom): internal timer; (opened_atom, id), (timeout_atom, id): an
///   open finished or ran out of time (internal).
using StretchActor =
    caf::typed_actor<caf::replies_to<open_atom, std::string, double, bool, double>::with<SourceHandle>,
                     caf::replies_to<open_atom, std::string, double, bool, double, double>::with<SourceHandle>,
                     caf::replies_to<fill_atom>::with<bool>, caf::reacts_to<tick_atom>,
                     caf::reacts_to<tempo_atom, double, std::int64_t>, caf::replies_to<stats_atom>::with<StretchStats>,
                     caf::reacts_to<opened_atom, std::uint64_t>, caf::reacts_to<timeout_atom, std::uint64_t>>;

/// Spawns the stretch actor (detached: it owns a thread for blocking file I/O).
StretchActor spawn_stretch_actor(caf::actor_system& sys, const StretchConfig& cfg);

}  // namespace crowdmesh::stretch

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(crowdmesh::stretch::SourceHandle)

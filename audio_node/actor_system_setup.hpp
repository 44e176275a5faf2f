#pragma once
// How an audio_node process sets up its CAF actor system.
#include <caf/actor_system_config.hpp>

#include <cstddef>

namespace crowdmesh::node {

/// Worker threads for the CAF scheduler on a machine with `cores` cores:
/// one per core, at least 2 (a handler that blocks for a while, e.g. a file
/// open on a slow SD card, must not stop every other actor), at most 4 (a
/// Raspberry Pi's core count; nothing in a node needs more).
std::size_t scheduler_threads(unsigned cores) noexcept;

/// Sets up `cfg` for a node on a small machine (a Raspberry Pi that also runs
/// other work), before the actor_system is constructed:
///  - the work-sharing scheduler (one queue, workers sleep on a condition
///    variable): an idle node costs no CPU. CAF 0.17's default work-stealing
///    policy polls its queues, sleeping 50 µs between polls ("moderate" phase,
///    caf/defaults.hpp work_stealing::moderate_sleep_duration), which measured
///    ~28 % of a core on an idle node here. Work sharing wakes a worker
///    with a futex (tens of µs), well inside the 1 ms control round trip; the
///    real-time path never runs in CAF (device callback and playout thread).
///  - scheduler_threads(hardware cores) workers;
///  - the "crowdmesh" error category rendered by render_error.
void configure_actor_system(caf::actor_system_config& cfg);

}  // namespace crowdmesh::node

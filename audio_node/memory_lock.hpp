#pragma once
// Keeping the node's memory in RAM.
#include <string>

namespace crowdmesh::node {

/// Locks the process's pages in RAM with mlockall(MCL_CURRENT | MCL_FUTURE |
/// MCL_ONFAULT) so that no page of the real-time path (device callback,
/// playout thread, their rings) is paged out and faulted back in mid-period
/// on a machine whose memory another program squeezes. MCL_ONFAULT (Linux
/// 4.4) locks pages as they are touched: thread stacks and reserved but unused
/// memory do not grow the RSS; the real-time buffers are touched at set-up.
/// Returns "" when locked, else one sentence saying why not (the errno text)
/// and how to allow it (LimitMEMLOCK=infinity in the service unit, or a
/// memlock line for the audio group in /etc/security/limits.d/); the node plays
/// on either way. Call once, early, from the main thread.
std::string lock_memory();

}  // namespace crowdmesh::node

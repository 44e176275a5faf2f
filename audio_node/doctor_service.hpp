#pragma once
#include <atomic>
#include <mutex>
#include <thread>

#include "command_router.hpp"
#include "crowdmesh/v1/commands.pb.h"

namespace crowdmesh::node {

/// Runs `RunDoctor` for the command router on a thread of its own: lists the
/// devices (host API, channels, supported rates, busy), measures callback
/// timing at each asked period on the asked device (default output by
/// default) and replies with the report (text, JSON, findings,
/// recommendation). One run at a time; a second request while one runs gets
/// an error saying so. The node's own device may show as busy when the host
/// API allows one client only (ALSA hw): the report says which device the
/// node plays on.
class DoctorService {
 public:
  /// mesh_rate_hz: the rate devices are compared with; node_device: the
  /// device this node plays on (named in the report; may be empty).
  DoctorService(int mesh_rate_hz, std::string node_device)
      : mesh_rate_hz_(mesh_rate_hz), node_device_(std::move(node_device)) {}
  /// Joins a run in progress.
  ~DoctorService();
  /// Starts a run; `reply` is called exactly once, from the run's thread.
  void run(const crowdmesh::v1::RunDoctor& request, ReplyFn reply);

 private:
  int mesh_rate_hz_;
  std::string node_device_;
  std::mutex m_;
  std::thread thread_;
  std::atomic<bool> busy_{false};
};

}  // namespace crowdmesh::node

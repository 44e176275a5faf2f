#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "command_router.hpp"
#include "crowdmesh/v1/commands.pb.h"
#include "doctor_plan.hpp"

namespace crowdmesh::node {

/// The work of one doctor run: the reply for `plan`. It reads `stop` between
/// steps and inside its waits and returns soon after it is set (the reply it
/// returns then is replaced by DoctorService). Called on the run's thread.
using DoctorRunner = std::function<crowdmesh::v1::Reply(const DoctorPlan& plan, const std::atomic<bool>& stop)>;

/// Runs `RunDoctor` for the command router on a thread of its own: lists the
/// devices (host API, channels, supported rates, busy), measures callback
/// timing at each asked period on the asked device (default output by
/// default) and replies with the report (text, JSON, findings,
/// recommendation). Requests are checked first (plan_doctor(): at most 8
/// period sizes, 0.1..10 s each) and refused with value_out_of_range. One run
/// at a time: a second request while one runs gets ERROR_CODE_NOT_READY
/// naming the run in progress. The node's own device may show as busy when
/// the host API allows one client only (ALSA hw): the report says which device
/// the node plays on.
/// Thread contract: run() and the destructor from any thread (the router's).
class DoctorService {
 public:
  /// mesh_rate_hz: the rate devices are compared with; node_device: the
  /// device this node plays on (named in the report; may be empty).
  DoctorService(int mesh_rate_hz, std::string node_device);
  /// A service whose runs do `runner` instead of probing devices (tests).
  explicit DoctorService(DoctorRunner runner) : runner_(std::move(runner)) {}
  /// Stops a run in progress and waits for its thread: returns within about
  /// device::kStopPollSeconds plus the time the device needs to stop a stream
  /// (the device listing at the start of a run is not interruptible). The
  /// stopped run still replies once: ERROR_CODE_NOT_READY, shutting down.
  ~DoctorService();
  /// Starts a run; `reply` is called exactly once: at once for a refused
  /// request, else from the run's thread.
  void run(const crowdmesh::v1::RunDoctor& request, ReplyFn reply);

 private:
  DoctorRunner runner_;
  std::mutex m_;  // guards thread_, running_, started_
  std::thread thread_;
  std::string running_;                           // describe() of the run in progress
  std::chrono::steady_clock::time_point started_;  // when it began
  std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace crowdmesh::node

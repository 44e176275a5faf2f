#include "doctor_service.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/log.hpp"
#include <nlohmann/json.hpp>

#include "device/device_probe.hpp"
#include "host_check.hpp"
#include "mixer/mixer_proto.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;

// Index of the device named by `want` (index or name substring), or the
// default output when empty; -1 when none.
int pick_device(const std::vector<device::DeviceCapabilities>& devs, const std::string& want) {
  for (const auto& d : devs) {
    if (want.empty() && d.info.is_default_output) return d.info.index;
    if (!want.empty() && (std::to_string(d.info.index) == want || d.info.name.find(want) != std::string::npos) &&
        d.info.max_output_channels > 0)
      return d.info.index;
  }
  if (want.empty())
    for (const auto& d : devs)
      if (d.info.max_output_channels > 0) return d.info.index;
  return -1;
}

v1::Reply doctor(const DoctorPlan& plan, const std::atomic<bool>& stop, int mesh_rate_hz,
                 const std::string& node_device) {
  auto devs = device::probe_devices(true);
  if (!devs) return mixer::error_reply(devs.error());
  std::optional<device::BufferAdvice> advice;
  std::vector<std::string> extra;
  const int index = pick_device(*devs, plan.device);
  if (index < 0) {
    extra.push_back(plan.device.empty() ? "No output device to measure callback timing on."
                                        : "No output device matches '" + plan.device + "'.");
  } else {
    auto a = device::advise_buffer(index, mesh_rate_hz, plan.periods_frames, plan.seconds_per_period, &stop);
    if (a)
      advice = std::move(*a);
    else
      extra.push_back("Callback timing could not be measured on device " + std::to_string(index) + ": " +
                      error_sentence(a.error()));
  }
  auto findings = device::doctor_findings(*devs, mesh_rate_hz, advice);
  findings.insert(findings.end(), extra.begin(), extra.end());
  const auto host = host_findings(read_host_facts());  // docs/RASPBERRY_PI.md, the checklist
  findings.insert(findings.end(), host.begin(), host.end());
  extra.insert(extra.end(), host.begin(), host.end());
  if (!node_device.empty()) findings.push_back("This node plays on: " + node_device + ".");
  v1::Reply r;
  auto* d = r.mutable_ok()->mutable_doctor();
  std::string text = device::format_doctor_report(*devs, mesh_rate_hz, advice);
  for (const auto& e : extra) text += "  - " + e + "\n";
  if (!node_device.empty()) text += "  - This node plays on: " + node_device + ".\n";
  d->set_text(text);
  auto j = device::doctor_report_json(*devs, mesh_rate_hz, advice);
  j["findings"] = findings;
  d->set_json(j.dump());
  for (const auto& f : findings) d->add_findings(f);
  d->set_recommended_period_frames(advice ? static_cast<std::uint32_t>(advice->recommended_period_frames) : 0);
  return r;
}

}  // namespace

DoctorService::DoctorService(int mesh_rate_hz, std::string node_device)
    : runner_([mesh_rate_hz, node_device = std::move(node_device)](const DoctorPlan& plan,
                                                                   const std::atomic<bool>& stop) {
        return doctor(plan, stop, mesh_rate_hz, node_device);
      }) {}

DoctorService::~DoctorService() {
  stop_.store(true, std::memory_order_release);
  std::lock_guard<std::mutex> lock(m_);
  if (thread_.joinable()) thread_.join();
}

void DoctorService::run(const v1::RunDoctor& request, ReplyFn reply) {
  auto plan = plan_doctor(request);
  if (!plan) return reply(mixer::error_reply(plan.error()));
  std::lock_guard<std::mutex> lock(m_);
  if (busy_.exchange(true)) {
    const double ago = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                             fmt::format("doctor is already running on this node ({}, started {:.1f} s ago); try "
                                         "again when it has replied",
                                         running_, ago)));
    return;
  }
  if (thread_.joinable()) thread_.join();  // a finished run
  running_ = plan->describe();
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this, plan = std::move(*plan), reply = std::move(reply)] {
    auto r = runner_(plan, stop_);
    if (stop_.load(std::memory_order_acquire))
      r = mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                             "doctor stopped before it finished (" + plan.describe() + "): the node is shutting down");
    busy_.store(false);
    reply(std::move(r));
  });
}

}  // namespace crowdmesh::node

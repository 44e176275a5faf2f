#include "doctor_service.hpp"

#include <algorithm>

#include "common/error.hpp"
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

v1::Reply doctor(const v1::RunDoctor& req, int mesh_rate_hz, const std::string& node_device) {
  if (req.seconds_per_period() < 0 || req.seconds_per_period() > 10)
    return mixer::error_reply(
        v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
        "doctor: " + std::to_string(req.seconds_per_period()) + " s per period is out of range (0..10 s; 0 = 1 s)");
  std::vector<int> periods(req.period_frames().begin(), req.period_frames().end());
  if (periods.empty()) periods = {128, 256, 512};
  for (int p : periods)
    if (p < 16 || p > 8192)
      return mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE,
                                "doctor: period " + std::to_string(p) + " frames is out of range (16..8192)");
  auto devs = device::probe_devices(true);
  if (!devs) return mixer::error_reply(devs.error());
  std::optional<device::BufferAdvice> advice;
  std::vector<std::string> extra;
  const int index = pick_device(*devs, req.device());
  if (index < 0) {
    extra.push_back(req.device().empty() ? "No output device to measure callback timing on."
                                         : "No output device matches '" + req.device() + "'.");
  } else {
    auto a = device::advise_buffer(index, mesh_rate_hz, periods,
                                   req.seconds_per_period() > 0 ? req.seconds_per_period() : 1.0);
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

DoctorService::~DoctorService() {
  std::lock_guard<std::mutex> lock(m_);
  if (thread_.joinable()) thread_.join();
}

void DoctorService::run(const v1::RunDoctor& request, ReplyFn reply) {
  if (busy_.exchange(true)) {
    reply(mixer::error_reply(v1::ERROR_CODE_NOT_READY,
                             "doctor is already running on this node; try again in a few seconds"));
    return;
  }
  std::lock_guard<std::mutex> lock(m_);
  if (thread_.joinable()) thread_.join();
  thread_ = std::thread([this, request, reply] {
    auto r = doctor(request, mesh_rate_hz_, node_device_);
    busy_.store(false);
    reply(std::move(r));
  });
}

}  // namespace crowdmesh::node

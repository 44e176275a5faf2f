// Handlers of the node-wide commands: status, devices, telemetry, doctor,
// stall, test tone.
#include <chrono>
#include <memory>
#include <optional>

#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "common/local_clock.hpp"
#include "common/test_tone_range.hpp"
#include "device/device_list.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;
using namespace std::chrono_literals;

// A node status gathered from the mixer, then the stretch actor (the tempo this
// node applies), then the device; a missing part leaves its fields empty.
struct StatusParts {
  mixer::MixerStatus mixer;
  double bpm = 0;
  std::optional<device::DeviceRunReport> device;
};

v1::Reply status_reply(const RouterConfig& cfg, const StatusParts& p) {
  v1::Reply r;
  auto* st = r.mutable_ok()->mutable_status();
  mixer::to_proto(p.mixer, *st);
  st->set_node(cfg.node);
  st->set_software_version(CROWDMESH_VERSION);
  st->set_clock_offset_ns(cfg.mesh_time_ns() - local_now_ns());
  st->set_current_bpm(p.bpm);
  if (p.device) {
    const auto& ds = p.device->stats;
    auto* d = st->mutable_device();
    d->set_frames_played(ds.frames_played);
    d->set_xruns(ds.xruns);
    d->set_underrun_frames(ds.underrun_frames);
    d->set_callbacks(ds.callbacks);
    d->set_callback_p50_us(ds.callback_p50_us);
    d->set_callback_p99_us(ds.callback_p99_us);
    d->set_callback_max_us(ds.callback_max_us);
    d->set_period_us(static_cast<std::uint32_t>(ds.period_us));
    d->set_ring_fill_frames(static_cast<std::uint32_t>(ds.ring_fill));
    d->set_ring_capacity_frames(static_cast<std::uint32_t>(ds.ring_capacity));
    d->set_sample_rate_hz(static_cast<std::uint32_t>(ds.sample_rate_hz));
    d->set_period_frames(static_cast<std::uint32_t>(ds.period_frames));
    d->set_backend(p.device->backend);
    d->set_channels(static_cast<std::uint32_t>(p.device->channels));
  }
  return r;
}

void get_status(RouterSelf self, const v1::Envelope&, const ReplyFn& reply) {
  const auto cfg = self->state.cfg;
  auto parts = std::make_shared<StatusParts>();
  auto finish = [cfg, parts, reply] { reply(status_reply(cfg, *parts)); };
  auto ask_device = [self, cfg, parts, finish] {
    if (!cfg.device) return finish();
    self->request(cfg.device, 2s, status_atom_v)
        .then(
            [parts, finish](device::DeviceRunReport& rep) {
              parts->device = rep;
              finish();
            },
            [finish](caf::error&) { finish(); });
  };
  auto ask_stretch = [self, cfg, parts, ask_device] {
    if (!cfg.stretch) return ask_device();
    self->request(cfg.stretch, 2s, stats_atom_v)
        .then(
            [parts, ask_device](stretch::StretchStats& s) {
              parts->bpm = s.bpm;
              ask_device();
            },
            [ask_device](caf::error&) { ask_device(); });
  };
  self->request(cfg.mixer, kActorTimeout, status_atom_v)
      .then(
          [parts, ask_stretch](mixer::MixerStatus& ms) {
            parts->mixer = ms;
            ask_stretch();
          },
          reply_error(reply));
}

void list_devices(RouterSelf, const v1::Envelope&, const ReplyFn& reply) {
  auto list = device::list_devices();
  if (!list) return reply(mixer::error_reply(list.error()));
  v1::Reply r;
  auto* out = r.mutable_ok()->mutable_devices();
  for (const auto& d : *list) {
    auto* i = out->add_devices();
    i->set_index(static_cast<std::uint32_t>(d.index));
    i->set_name(d.name);
    i->set_host_api(d.host_api);
    i->set_max_input_channels(static_cast<std::uint32_t>(d.max_input_channels));
    i->set_max_output_channels(static_cast<std::uint32_t>(d.max_output_channels));
    i->set_default_sample_rate_hz(static_cast<std::uint32_t>(d.default_sample_rate_hz));
    i->set_is_default_output(d.is_default_output);
  }
  reply(r);
}

void get_telemetry(RouterSelf self, const v1::Envelope&, const ReplyFn& reply) {
  const auto& cfg = self->state.cfg;
  if (!cfg.telemetry) return reply(not_ready("telemetry does not run on node " + cfg.node));
  v1::Reply r;
  *r.mutable_ok()->mutable_telemetry() = cfg.telemetry();
  reply(r);
}

void run_doctor(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& cfg = self->state.cfg;
  if (!cfg.doctor) return reply(not_ready("doctor is not available on node " + cfg.node));
  cfg.doctor(env.command().run_doctor(), reply);
}

// Blocks the mixer actor on purpose (fault drills: the device must ride
// through on its ring, telemetry must show the stall).
void stall(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().stall();
  const auto ms = m.duration_ms();
  if (!self->state.cfg.diagnostics)
    return reply(mixer::error_reply(v1::ERROR_CODE_NOT_ALLOWED,
                                    "stall is a diagnostics command and diagnostics are off on node " +
                                        self->state.cfg.node +
                                        " (set diagnostics = true in its [nodes." + self->state.cfg.node +
                                        "] table, or start it with --diagnostics)"));
  if (m.target() != v1::STALL_TARGET_MIXER)
    return reply(out_of_range("stall target " + std::to_string(m.target()) + " cannot be stalled (allowed: mixer)"));
  if (ms < 1 || ms > 5000)
    return reply(out_of_range("stall of " + std::to_string(ms) + " ms is out of range (1..5000 ms)"));
  self->request(self->state.cfg.mixer, std::chrono::milliseconds(ms + 2000), stall_atom_v, ms)
      .then([reply, ms, node = self->state.cfg.node](
                bool) { reply(ok_message("mixer of " + node + " stalled for " + std::to_string(ms) + " ms")); },
            reply_error(reply));
}

// The mesh gateway answers GetNodes itself (it knows the peers); one that
// reaches the router came another way.
void get_nodes(RouterSelf self, const v1::Envelope&, const ReplyFn& reply) {
  reply(mixer::error_reply(v1::ERROR_CODE_UNKNOWN_PAYLOAD, "GetNodes is answered by the mesh gateway of node " +
                                                               self->state.cfg.node +
                                                               ", not by its actors: send it over the mesh"));
}

// Absent fields take the defaults of common/test_tone_range.hpp; the mixer
// checks the ranges. The reply is the node's status, test tone included.
void test_tone(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& m = env.command().test_tone();
  const double hz = m.has_frequency_hz() ? m.frequency_hz() : test_tone::kDefaultHz;
  const double db = m.has_gain_db() ? m.gain_db() : test_tone::kDefaultGainDb;
  const double s = m.has_duration_seconds() ? m.duration_seconds() : test_tone::kDefaultSeconds;
  self->request(self->state.cfg.mixer, kActorTimeout, tone_atom_v, hz, db, s)
      .then([self, env, reply](bool) { get_status(self, env, reply); }, reply_error(reply));
}

}  // namespace

std::vector<CommandRoute> node_commands() {
  using C = v1::Command;
  return {
      {C::kGetStatus, get_status},
      {C::kListDevices, list_devices, false},
      {C::kGetTelemetry, get_telemetry, false},
      {C::kRunDoctor, run_doctor, false},
      {C::kStall, stall},
      {C::kGetNodes, get_nodes, false},
      {C::kTestTone, test_tone},
  };
}

}  // namespace crowdmesh::node

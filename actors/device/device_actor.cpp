#include "device/device_actor.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "caf/all.hpp"
#include "common/error.hpp"
#include "common/local_clock.hpp"
#include "common/log.hpp"
#include "device/backend_factory.hpp"
#include "device/device_run_state.hpp"
#include "device/playout_thread.hpp"
#include "device/virtual_backend.hpp"
#include "device/wav_recorder.hpp"

namespace crowdmesh::device {

namespace {

using namespace std::chrono_literals;
constexpr auto kRenderTimeout = 5s;

DeviceRunLimits run_limits(const DeviceActorConfig& cfg) {
  DeviceRunLimits l;
  l.total_frames = cfg.total_frames;
  l.sample_rate_hz = cfg.device.sample_rate_hz;
  l.period_frames = cfg.device.period_frames;
  l.target_periods = cfg.device.target_periods;
  l.recording = !cfg.record_path.empty();
  return l;
}

PlayoutConfig playout_config(const DeviceActorConfig& cfg) {
  PlayoutConfig p;
  p.channels = cfg.device.channels;
  p.sample_rate_hz = cfg.device.sample_rate_hz;
  p.period_frames = cfg.device.period_frames;
  p.target_periods = cfg.device.target_periods;
  p.mesh_time = cfg.mesh_time;
  p.render_port = cfg.render_port;
  return p;
}

struct DeviceActorState {
  DeviceActorConfig cfg;
  DeviceRunState run{DeviceRunLimits{}};  // demand, prefill, stop and end of the run
  std::shared_ptr<DeviceCallback> cb;      // shared with cfg.stats_view
  std::unique_ptr<AudioBackend> backend;
  std::shared_ptr<PlayoutThread> playout;  // real-pace devices with a render port; shared with cfg.stats_view
  std::uint64_t out_of_range_logged = 0;   // playout out-of-range reports already logged
  bool dac_source_logged = false;

  // Says once what the playout thread found (logging stays off its thread).
  void log_playout_findings() {
    if (!playout) return;
    const auto p = playout->stats();
    if (p.stage.out_of_range_reports > out_of_range_logged) {
      out_of_range_logged = p.stage.out_of_range_reports;
      spdlog::warn(
          "device: the card runs {:+.0f} ppm off the mesh clock, beyond the playout's ±300 ppm: "
          "playing on with realigns (a wrong --sample-rate for this card?)",
          p.stage.measured_card_ppm);
    }
    if (!dac_source_logged && !p.dac_time_source.empty()) {
      dac_source_logged = true;
      if (p.dac_time_source == "stream_latency")
        spdlog::warn("device: the host API gives no DAC time (timeInfo zeros): using the stream's output latency");
    }
  }
  VirtualBackend* offline_clock = nullptr;  // set when paced by data
  std::unique_ptr<WavRecorder> recorder;
  std::vector<float> tap_scratch;
  caf::typed_response_promise<DeviceStats> start_promise;
  std::vector<caf::typed_response_promise<DeviceRunReport>> waiters;

  // The actor may end with the backend running: stop the RT thread before the
  // callback object (and its rings) go away.
  ~DeviceActorState() {
    if (backend) backend->stop();
    if (playout) playout->stop();
  }

  void drain_tap() {
    if (!cb || !recorder) return;
    auto& tap = cb->tap_ring();
    const auto ch = static_cast<std::size_t>(cb->channels());
    for (;;) {
      std::size_t n = std::min<std::size_t>(tap.read_available(), tap_scratch.size() / ch);
      if (n == 0) return;
      tap.read(tap_scratch.data(), n);
      if (cfg.total_frames > 0) {
        const auto room = cfg.total_frames - std::min(cfg.total_frames, recorder->frames_written());
        n = std::min<std::size_t>(n, static_cast<std::size_t>(room));
      }
      if (n > 0 && !recorder->write(tap_scratch.data(), n) && recorder->errors() == 1)
        spdlog::error("device: writing the recording {} failed", recorder->path());
    }
  }

  // Mesh time at which frame `k` reaches the device (offline renders: the
  // nominal rate from the first callback); 0 before the first callback.
  std::int64_t pts_of(std::uint64_t k) const {
    const auto first = cb ? cb->first_callback_ns() : 0;
    if (first == 0) return 0;
    const std::int64_t offset = cfg.mesh_time ? cfg.mesh_time->offset_ns() + local_now_ns() - steady_now_ns() : 0;
    return first + offset + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / cfg.device.sample_rate_hz);
  }

  DeviceStats stats() const { return cb ? device_stats(*cb, playout.get()) : DeviceStats{}; }

  DeviceRunReport report() const {
    DeviceRunReport r;
    r.first_frame_mesh_ns = pts_of(0);
    if (playout) {
      const auto p = playout->stats();
      r.first_frame_mesh_ns = p.first_frame_dac_mesh_ns;
      r.playout_scheduling = p.scheduling;
      r.dac_time_source = p.dac_time_source;
      r.playout_wake_timeouts = p.wake_timeouts;
      r.realigns_after_lock = p.realigns_after_lock;
      r.playout_longest_work_us = static_cast<double>(p.longest_work_ns) / 1e3;
      r.playout_longest_work_cpu_us = static_cast<double>(p.longest_work_cpu_ns) / 1e3;
      r.playout_longest_lock_wait_us = static_cast<double>(p.longest_render_lock_wait_ns) / 1e3;
      r.playout_longest_wake_latency_us = static_cast<double>(p.longest_wake_latency_ns) / 1e3;
      r.playout_stalls_past_ring = p.stalls_past_ring;
      r.playout_wakeups = p.wakeups;
      r.playout_batch_periods = p.batch_periods;
      r.playout_frames_skipped = static_cast<std::int64_t>(p.stage.frames_dropped) -
                                 static_cast<std::int64_t>(p.stage.frames_inserted) + p.stage.initial_alignment_frames;
    }
    r.stats = stats();
    if (backend) r.backend = backend->description();
    r.channels = cfg.device.channels;
    if (recorder) {
      r.record_path = recorder->path();
      r.recorded_frames = recorder->frames_written();
    }
    return r;
  }

  void end_run() {
    if (!run.end()) return;
    if (backend) backend->stop();
    if (playout) playout->stop();
    drain_tap();
    if (recorder) recorder->close();
    auto r = report();
    spdlog::info("device: stopped after {} frames, {} xruns", r.stats.frames_played, r.stats.xruns);
    for (auto& w : waiters) w.deliver(r);
    waiters.clear();
  }
};

using Self = DeviceActor::stateful_pointer<DeviceActorState>;

void demand(Self self);

void start_backend(Self self) {
  auto& st = self->state;
  if (auto res = st.backend->start(*st.cb); !res) {
    spdlog::error("device: {}", error_sentence(res.error()));
    st.run.backend_failed();
    st.start_promise.deliver(res.error());
    for (auto& w : st.waiters) w.deliver(res.error());
    st.waiters.clear();
    return;
  }
  st.run.backend_started();
  spdlog::info("device: playing on {}", st.backend->description());
  st.start_promise.deliver(st.cb->stats());
}

void demand(Self self) {
  auto& st = self->state;
  if (!st.cb) return;
  auto& ring = st.cb->output_ring();
  const std::size_t space = ring.write_available();
  const auto step = st.run.demand(space, ring.capacity() - space);
  if (step.action == DemandStep::Action::start_backend) start_backend(self);
  if (step.action != DemandStep::Action::request) return;
  self->request(st.cfg.mixer, kRenderTimeout, render_atom_v, static_cast<std::uint32_t>(step.frames),
                st.pts_of(st.run.requested_frames()))
      .then(
          [=](AudioBlock& b) {
            auto& s = self->state;
            if (!s.run.block_received(b.frames)) return;
            if (!s.cb->output_ring().write(b.samples->data(), b.frames))
              spdlog::error("device: output ring refused {} frames (internal)", b.frames);
            if (s.run.prefill_complete(s.cb->output_ring().read_available())) start_backend(self);
            s.drain_tap();
            if (s.offline_clock) demand(self);
          },
          [=](caf::error& err) {
            self->state.run.request_failed();
            spdlog::error("device: mixer did not render: {}", error_sentence(err));
          });
}

void check_end(Self self) {
  auto& st = self->state;
  if (!st.run.backend_playing()) return;
  if (st.offline_clock) {
    if (st.run.take_end_of_data()) st.offline_clock->finish();
    if (st.offline_clock->done()) st.end_run();
    return;
  }
  if (st.run.real_pace_over(st.cb->frames_played(), std::chrono::steady_clock::now())) st.end_run();
}

// Builds the backend, the callback and the recording, then starts the run:
// with a playout thread at once, otherwise after the prefill (demand()).
caf::result<DeviceStats> start_run(Self self) {
  auto& st = self->state;
  if (st.cb) return make_error(errc::device_error, "the device was already started");
  auto backend = make_backend(st.cfg.device);
  if (!backend) return backend.error();
  st.backend = std::move(*backend);
  if (st.backend->paced_by_data()) st.offline_clock = dynamic_cast<VirtualBackend*>(st.backend.get());
  if (auto* v = dynamic_cast<VirtualBackend*>(st.backend.get())) v->set_truth_log_node(st.cfg.node_name);
  st.cb = std::make_shared<DeviceCallback>(st.cfg.device);
  if (!st.cfg.record_path.empty()) {
    auto rec = WavRecorder::open(st.cfg.record_path, st.cfg.device.sample_rate_hz, st.cfg.device.channels);
    if (!rec) return rec.error();
    st.recorder = std::move(*rec);
    st.tap_scratch.resize(8192 * static_cast<std::size_t>(st.cfg.device.channels));
    st.cb->set_tap_enabled(true);
  }
  st.start_promise = self->make_response_promise<DeviceStats>();
  if (st.cfg.render_port && !st.offline_clock) {
    st.playout = std::make_shared<PlayoutThread>(playout_config(st.cfg), *st.cb);
    if (auto ok = st.playout->start(); !ok) return ok.error();
    if (st.cfg.stats_view) st.cfg.stats_view->attach(st.cb, st.playout);
    const auto pst = st.playout->stats();
    const auto& d = st.cfg.device;
    const double period_ms = 1e3 * d.period_frames / d.sample_rate_hz;
    spdlog::info("device: playout thread {}, ring {} periods ({:.0f} ms) refilled {} at a time, so woken with {:.0f} ms "
                 "left (the mesh timeline starts at the first DAC time)",
                 pst.scheduling, d.target_periods, d.target_periods * period_ms, pst.batch_periods,
                 (d.target_periods - pst.batch_periods) * period_ms);
    st.run.start(DeviceFeed::playout_thread);
    start_backend(self);
    self->send(self, pump_atom_v);
    return st.start_promise;
  }
  if (st.cfg.stats_view) st.cfg.stats_view->attach(st.cb, nullptr);
  st.run.start(st.offline_clock ? DeviceFeed::paced_by_data : DeviceFeed::demand);
  demand(self);
  self->send(self, pump_atom_v);
  return st.start_promise;
}

DeviceActor::behavior_type device_actor(Self self, DeviceActorConfig cfg) {
  self->state.cfg = cfg;
  self->state.run = DeviceRunState(run_limits(cfg));
  return {
      [=](start_atom) -> caf::result<DeviceStats> { return start_run(self); },
      [=](finish_atom) -> caf::result<DeviceRunReport> {
        auto& st = self->state;
        if (st.run.ended()) return st.report();
        auto rp = self->make_response_promise<DeviceRunReport>();
        st.waiters.push_back(rp);
        return rp;
      },
      [=](stop_atom) {
        auto& st = self->state;
        switch (st.run.request_stop(std::chrono::steady_clock::now())) {
          case StopStep::ignore: return;
          case StopStep::end_now: st.end_run(); return;
          case StopStep::fade_out:
            if (st.cb) st.cb->set_output_gain(0.0f);  // one-block fade-out
            // The pump may be a second away: look now, then every fine
            // interval until the deadline (the slow chain ends with the run).
            self->send(self, pump_atom_v);
            return;
        }
      },
      [=](status_atom) { return self->state.report(); },
      [=](stats_atom) -> caf::result<DeviceStats> { return self->state.stats(); },
      [=](pump_atom) {
        auto& st = self->state;
        if (st.run.ended()) return;
        st.drain_tap();
        st.log_playout_findings();
        demand(self);
        check_end(self);
        if (st.run.ended()) return;
        const auto played = st.cb ? st.cb->frames_played() : 0;  // a pump may come before start_atom
        self->delayed_send(self, st.run.pump_interval(played), pump_atom_v);
      },
  };
}

}  // namespace

DeviceActor spawn_device_actor(caf::actor_system& sys, const DeviceActorConfig& cfg) {
  return sys.spawn<caf::detached>(device_actor, cfg);
}

}  // namespace crowdmesh::device

#include "mesh/clock_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::mesh {

namespace {

constexpr double kQualityFloorNs = 10'000.0;  // E* never below 10 µs (timestamping noise)
constexpr double kQualityFactor = 0.5;        // E* = 0.5 × median excess delay of the kept probes

std::string probe_text(std::int64_t t1, std::int64_t t2, std::int64_t t3, std::int64_t t4) {
  return "t1=" + std::to_string(t1) + " t2=" + std::to_string(t2) + " t3=" + std::to_string(t3) +
         " t4=" + std::to_string(t4) + " ns";
}

}  // namespace

ClockEstimator::ClockEstimator(ClockEstimatorConfig cfg) : cfg_(cfg) {
  cfg_.max_probes = std::max<std::size_t>(cfg_.max_probes, 2);
  cfg_.min_fit_probes = std::clamp<std::size_t>(cfg_.min_fit_probes, 2, cfg_.max_probes);
  cfg_.keep_fraction = std::clamp(cfg_.keep_fraction, 0.05, 1.0);
  cfg_.slew_period_ns = std::max<std::int64_t>(cfg_.slew_period_ns, 1'000'000);
  cfg_.max_slew_ppm = std::max(cfg_.max_slew_ppm, 0.0);
}

ClockSample ClockEstimator::compute(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns,
                                    std::int64_t t4_ns) noexcept {
  ClockSample s;
  // Halve each difference before adding: no overflow for clocks far apart.
  const std::int64_t a = t2_ns - t1_ns;
  const std::int64_t b = t3_ns - t4_ns;
  s.offset_ns = a / 2 + b / 2 + (a % 2 + b % 2) / 2;
  s.delay_ns = (t4_ns - t1_ns) - (t3_ns - t2_ns);
  return s;
}

caf::expected<ClockSample> ClockEstimator::add(std::int64_t t1_ns, std::int64_t t2_ns, std::int64_t t3_ns,
                                               std::int64_t t4_ns) {
  ClockSample s = compute(t1_ns, t2_ns, t3_ns, t4_ns);
  if (t4_ns < t1_ns || t3_ns < t2_ns || s.delay_ns < 0) {
    ++invalid_;
    return make_error(errc::value_out_of_range, "inconsistent clock probe " + probe_text(t1_ns, t2_ns, t3_ns, t4_ns) +
                                                    " (need t1 <= t4, t2 <= t3, delay >= 0)");
  }
  const bool duplicate = (suspect_ && suspect_->t1_ns == t1_ns) ||
                         std::any_of(window_.begin(), window_.end(), [&](const Probe& p) { return p.t1_ns == t1_ns; });
  if (duplicate) {
    ++invalid_;
    return make_error(errc::value_out_of_range, "duplicate clock probe " + probe_text(t1_ns, t2_ns, t3_ns, t4_ns) +
                                                    " (a probe sent at t1 is already counted)");
  }
  Probe p{t1_ns, t4_ns, t1_ns + (t4_ns - t1_ns) / 2, s.offset_ns, s.delay_ns};
  ++accepted_;
  last_rtt_ns_ = s.delay_ns;
  if (locking_since_ns_ < 0) locking_since_ns_ = t1_ns;

  std::int64_t extra_ns = 0;
  if (const auto predicted = predicted_offset(p.mid_ns, extra_ns)) {
    const std::int64_t miss = std::abs(p.offset_ns - *predicted);
    if (miss > cfg_.relock_threshold_ns + p.delay_ns / 2 + extra_ns) {
      const bool confirms =
          suspect_ &&
          std::abs(suspect_->offset_ns + std::llround(static_cast<double>(p.mid_ns - suspect_->mid_ns) * skew_) -
                   p.offset_ns) <= (suspect_->delay_ns + p.delay_ns) / 2 + cfg_.step_threshold_ns;
      if (!confirms) {
        suspect_ = p;
        ++rejected_;
        s.jump_suspect = true;
        return s;
      }
      const Probe first = *suspect_;
      clear_window();
      locked_ = false;
      free_run_ = aligned_;
      locking_since_ns_ = first.t1_ns;
      ++relocks_;
      window_.push_back(first);
      s.relocked = true;
    }
  }
  suspect_.reset();
  window_.push_back(p);
  prune(p.t4_ns);
  const std::int64_t min_delay = std::min_element(window_.begin(), window_.end(), [](const Probe& a, const Probe& b) {
                                   return a.delay_ns < b.delay_ns;
                                 })->delay_ns;
  if (static_cast<double>(p.delay_ns) >
      static_cast<double>(min_delay) * cfg_.outlier_factor + static_cast<double>(cfg_.outlier_margin_ns)) {
    s.outlier = true;
    ++rejected_;
  }
  refit();
  return s;
}

void ClockEstimator::reset() noexcept {
  clear_window();
  locked_ = false;
  free_run_ = aligned_;
  locking_since_ns_ = -1;
  ++relocks_;
}

void ClockEstimator::clear_window() noexcept {
  window_.clear();
  suspect_.reset();
  fit_.reset();
}

std::optional<std::int64_t> ClockEstimator::predicted_offset(std::int64_t mid_ns, std::int64_t& bound_extra_ns) const {
  if (!fit_) return std::nullopt;
  // Before the lock the fit may rest on few probes: allow for the best one's own error.
  const Probe* best = best_probe();
  bound_extra_ns = locked_ || !best ? 0 : best->delay_ns / 2;
  return fitted_offset_at(mid_ns);
}

void ClockEstimator::prune(std::int64_t newest_t4_ns) {
  while (window_.size() > cfg_.max_probes) window_.pop_front();
  // Age limit, but the newest min_fit_probes stay (a silent reference keeps its fit).
  const std::int64_t oldest = newest_t4_ns - cfg_.window_ns;
  while (window_.size() > cfg_.min_fit_probes && window_.front().t4_ns < oldest) window_.pop_front();
}

const ClockEstimator::Probe* ClockEstimator::best_probe() const noexcept {
  if (window_.empty()) return nullptr;
  return &*std::min_element(window_.begin(), window_.end(),
                            [](const Probe& a, const Probe& b) { return a.delay_ns < b.delay_ns; });
}

void ClockEstimator::refit() {
  const std::size_t n = window_.size();
  if (n == 0) {
    fit_.reset();
    return;
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return window_[a].delay_ns < window_[b].delay_ns; });
  const Probe& best = window_[order.front()];
  const double gate =
      static_cast<double>(best.delay_ns) * cfg_.outlier_factor + static_cast<double>(cfg_.outlier_margin_ns);
  const std::size_t keep = std::max(static_cast<std::size_t>(std::ceil(static_cast<double>(n) * cfg_.keep_fraction)),
                                    std::min(n, cfg_.min_fit_probes));
  std::vector<const Probe*> kept;
  for (std::size_t i = 0; i < keep && i < n; ++i) {
    const Probe& p = window_[order[i]];
    if (static_cast<double>(p.delay_ns) > gate) break;  // sorted: the rest are over the gate too
    kept.push_back(&p);
  }

  // Quality weights (RADclock): E = delay above the minimum, scale E*.
  std::vector<double> excess;
  excess.reserve(kept.size());
  for (const Probe* p : kept) excess.push_back(static_cast<double>(p->delay_ns - best.delay_ns));
  std::vector<double> sorted = excess;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double scale = std::max(kQualityFloorNs, kQualityFactor * sorted[sorted.size() / 2]);

  // Centered coordinates keep the doubles small: x from the newest midpoint,
  // y from the best probe's offset.
  const std::int64_t t_ref = window_.back().mid_ns;
  const std::int64_t base = best.offset_ns;
  double sw = 0, sx = 0, sy = 0, min_x = 0, max_x = 0;
  std::vector<double> w(kept.size()), x(kept.size()), y(kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const double e = excess[i] / scale;
    w[i] = std::exp(-e * e);
    x[i] = static_cast<double>(kept[i]->mid_ns - t_ref);
    y[i] = static_cast<double>(kept[i]->offset_ns - base);
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
    min_x = i == 0 ? x[i] : std::min(min_x, x[i]);
    max_x = i == 0 ? x[i] : std::max(max_x, x[i]);
  }
  const double mx = sx / sw, my = sy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  const double span = max_x - min_x;
  // The slope needs spread in time; until then the last known skew is kept.
  if (kept.size() >= 3 && span >= static_cast<double>(cfg_.min_lock_span_ns) / 2 && sxx > 0) {
    const double limit = cfg_.max_skew_ppm * 1e-6;
    skew_ = std::clamp(sxy / sxx, -limit, limit);
  }
  double ssr = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const double r = y[i] - my - skew_ * (x[i] - mx);
    ssr += w[i] * r * r;
  }
  Fit f;
  f.anchor_local_ns = t_ref + static_cast<std::int64_t>(std::llround(mx));
  f.anchor_offset_ns = base + static_cast<std::int64_t>(std::llround(my));
  f.skew = skew_;
  // Variance of unit weight; Var(offset at x) = s0² (1/Σw + (x − x̄)²/Sxx).
  f.unit_variance = kept.size() > 2 ? ssr / static_cast<double>(kept.size() - 2) : 0.0;
  f.sum_w = sw;
  f.sxx = sxx;
  f.used = kept.size();
  fit_ = f;
  if (!locked_ && kept.size() >= cfg_.min_fit_probes && span >= static_cast<double>(cfg_.min_lock_span_ns)) {
    locked_ = true;
  }
}

std::int64_t ClockEstimator::fitted_offset_at(std::int64_t local_ns) const noexcept {
  if (!fit_) return 0;
  return fit_->anchor_offset_ns +
         static_cast<std::int64_t>(std::llround(static_cast<double>(local_ns - fit_->anchor_local_ns) * fit_->skew));
}

MeshTimeSegment ClockEstimator::segment_at(std::int64_t local_now_ns) {
  if (aligned_ && local_now_ns < segment_.local_anchor_ns) return segment_;
  if (!locked_ || !fit_) {
    if (free_run_) {  // re-locking: run on at the last fitted rate, no slew
      segment_ = MeshTimeSegment{local_now_ns, segment_.mesh_at(local_now_ns), 1.0 + skew_};
      free_run_ = false;
    }
    return segment_;
  }
  const double rate = 1.0 + fit_->skew;
  const std::int64_t target = local_now_ns + fitted_offset_at(local_now_ns);
  if (!aligned_) {  // first lock: align, not counted as a step
    segment_ = MeshTimeSegment{local_now_ns, target, rate};
    aligned_ = true;
    free_run_ = false;
    return segment_;
  }
  const std::int64_t current = segment_.mesh_at(local_now_ns);
  const std::int64_t error = target - current;
  if (std::abs(error) > cfg_.step_threshold_ns) {
    segment_ = MeshTimeSegment{local_now_ns, target, rate};
    ++steps_;
  } else {
    const double limit = cfg_.max_slew_ppm * 1e-6;
    const double correction =
        std::clamp(static_cast<double>(error) / static_cast<double>(cfg_.slew_period_ns), -limit, limit);
    segment_ = MeshTimeSegment{local_now_ns, current, rate + correction};
  }
  free_run_ = false;
  return segment_;
}

ClockEstimatorStats ClockEstimator::stats(std::int64_t local_now_ns) const noexcept {
  ClockEstimatorStats s;
  const double skew = fit_ ? fit_->skew : skew_;
  s.locked = locked_;
  s.offset_ns = segment_.mesh_at(local_now_ns) - local_now_ns;
  s.skew_ppm = skew * 1e6;
  s.slew_ppm = aligned_ ? (segment_.rate - 1.0 - skew) * 1e6 : 0.0;
  if (locked_ && fit_) {
    const std::int64_t phase = local_now_ns + fitted_offset_at(local_now_ns) - segment_.mesh_at(local_now_ns);
    const double dx = static_cast<double>(local_now_ns - fit_->anchor_local_ns);
    const double variance = fit_->unit_variance * (1.0 / fit_->sum_w + (fit_->sxx > 0 ? dx * dx / fit_->sxx : 0.0));
    s.estimated_error_ns = static_cast<std::int64_t>(std::llround(2.0 * std::sqrt(variance))) + std::abs(phase);
  } else if (const Probe* best = best_probe()) {
    s.estimated_error_ns =
        std::abs(best->mid_ns + best->offset_ns - segment_.mesh_at(best->mid_ns)) + best->delay_ns / 2;
  }
  if (const Probe* best = best_probe()) s.min_rtt_ns = best->delay_ns;
  s.last_rtt_ns = last_rtt_ns_;
  s.probes_used = fit_ ? fit_->used : 0;
  s.probes_in_window = window_.size();
  s.probes_accepted = accepted_;
  s.probes_rejected = rejected_;
  s.probes_invalid = invalid_;
  s.steps = steps_;
  s.relocks = relocks_;
  return s;
}

std::int64_t ClockEstimator::probe_interval_ns(std::int64_t local_now_ns) const noexcept {
  return next_probe_interval_ns(locked_, locking_since_ns_ < 0 ? -1 : local_now_ns - locking_since_ns_, cfg_);
}

std::int64_t ClockEstimator::next_probe_interval_ns(bool locked, std::int64_t locking_for_ns,
                                                    const ClockEstimatorConfig& cfg) noexcept {
  if (!locked || locking_for_ns < 0 || locking_for_ns < cfg.fast_phase_ns) return cfg.fast_probe_interval_ns;
  return cfg.slow_probe_interval_ns;
}

}  // namespace crowdmesh::mesh

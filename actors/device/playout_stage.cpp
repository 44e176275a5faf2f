#include "device/playout_stage.hpp"

#include <samplerate.h>

#include "dsp/drift_resampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace crowdmesh::device {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::size_t kMaxFramesPerCall = std::size_t{1} << 20;
constexpr int kMaxIterationsPerPull = 64;  // src_process calls; each one consumes or produces

int converter_type(PlayoutConverter c) {
  switch (c) {
    case PlayoutConverter::polyphase: return SRC_SINC_FASTEST;  // not a libsamplerate converter
    case PlayoutConverter::sinc_fastest: return SRC_SINC_FASTEST;
    case PlayoutConverter::sinc_medium: return SRC_SINC_MEDIUM_QUALITY;
    case PlayoutConverter::sinc_best: return SRC_SINC_BEST_QUALITY;
    case PlayoutConverter::linear: return SRC_LINEAR;
  }
  return SRC_SINC_FASTEST;
}

std::int64_t floor_to_int(double x) { return static_cast<std::int64_t>(std::floor(x)); }

}  // namespace

const char* to_string(PlayoutConverter c) noexcept {
  switch (c) {
    case PlayoutConverter::polyphase: return "polyphase";
    case PlayoutConverter::sinc_fastest: return "sinc_fastest";
    case PlayoutConverter::sinc_medium: return "sinc_medium";
    case PlayoutConverter::sinc_best: return "sinc_best";
    case PlayoutConverter::linear: return "linear";
  }
  return "?";
}

std::int64_t PlayoutStage::pts_ns(std::int64_t mesh_frame, int rate_hz) noexcept {
  if (rate_hz <= 0) return 0;
  std::int64_t q = mesh_frame / rate_hz;
  std::int64_t r = mesh_frame % rate_hz;
  if (r < 0) {
    r += rate_hz;
    --q;
  }
  std::int64_t whole = 0;
  if (__builtin_mul_overflow(q, kNsPerSecond, &whole))
    return q < 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
  const std::int64_t part = (2 * r * kNsPerSecond + rate_hz) / (2 * static_cast<std::int64_t>(rate_hz));
  std::int64_t out = 0;
  if (__builtin_add_overflow(whole, part, &out)) return std::numeric_limits<std::int64_t>::max();
  return out;
}

std::string PlayoutStage::validate(const Config& c) {
  if (c.channels < 1 || c.channels > 32)
    return "playout channels " + std::to_string(c.channels) + " is outside the allowed range 1..32";
  if (c.rate_hz < 8000 || c.rate_hz > 384000)
    return "playout rate_hz " + std::to_string(c.rate_hz) + " is outside the allowed range 8000..384000";
  if (c.realign_threshold_ns <= 0)
    return "playout realign_threshold_ns " + std::to_string(c.realign_threshold_ns) + " must be > 0";
  if (c.initial_align_threshold_ns < 0)
    return "playout initial_align_threshold_ns " + std::to_string(c.initial_align_threshold_ns) + " must be >= 0";
  if (!std::isfinite(c.max_correction_ppm) || c.max_correction_ppm <= 0.0 || c.max_correction_ppm > 100000.0)
    return "playout max_correction_ppm " + std::to_string(c.max_correction_ppm) +
           " is outside the allowed range (0, 100000]";
  if (c.max_frames_per_call < 1 || c.max_frames_per_call > kMaxFramesPerCall)
    return "playout max_frames_per_call " + std::to_string(c.max_frames_per_call) +
           " is outside the allowed range 1.." + std::to_string(kMaxFramesPerCall);
  if (!std::isfinite(c.rate_window_s) || c.rate_window_s < 0.1 || c.rate_window_s > 60.0)
    return "playout rate_window_s " + std::to_string(c.rate_window_s) + " is outside the allowed range 0.1..60";
  if (c.history_blocks < 1 || c.history_blocks > kMaxFramesPerCall)
    return "playout history_blocks " + std::to_string(c.history_blocks) + " is outside the allowed range 1.." +
           std::to_string(kMaxFramesPerCall);
  switch (c.converter) {
    case PlayoutConverter::polyphase:
    case PlayoutConverter::sinc_fastest:
    case PlayoutConverter::sinc_medium:
    case PlayoutConverter::sinc_best:
    case PlayoutConverter::linear: break;
    default: return "playout converter " + std::to_string(static_cast<int>(c.converter)) + " is unknown";
  }
  return {};
}

PlayoutStage::PlayoutStage(const Config& config)
    : channels_(config.channels),
      rate_hz_(config.rate_hz),
      m0_(config.first_mesh_frame),
      pts_m0_(0),
      ns_per_frame_(0.0),
      capacity_(config.max_frames_per_call),
      realign_threshold_ns_(config.realign_threshold_ns),
      initial_align_threshold_ns_(config.initial_align_threshold_ns),
      realign_after_(std::max(1, config.realign_after_observations)),
      max_correction_ppm_(config.max_correction_ppm),
      controller_([&] {
        auto s = config.controller;
        s.max_correction_ppm = config.max_correction_ppm;
        return s;
      }()) {
  if (const auto why = validate(config); !why.empty()) throw std::invalid_argument(why);
  pts_m0_ = pts_ns(m0_, rate_hz_);
  rate_window_ns_ = config.rate_window_s * 1e9;
  ns_per_frame_ = 1e9 / static_cast<double>(rate_hz_);
  delay_ = config.converter == PlayoutConverter::linear ? 1 : 0;

  if (config.converter == PlayoutConverter::polyphase) {
    drift_ = std::make_unique<dsp::DriftResampler>(channels_);
  } else {
    int err = 0;
    src_ = src_new(converter_type(config.converter), channels_, &err);
    if (src_ == nullptr)
      throw std::runtime_error(std::string("libsamplerate src_new(") + to_string(config.converter) +
                               ") failed: " + src_strerror(err));
  }
  try {
    zeros_frames_ = std::max<std::size_t>(capacity_, 1024);
    zeros_ = std::make_unique<float[]>(zeros_frames_ * static_cast<std::size_t>(channels_));

    // Lookahead: fewest input frames after which the converter emits its first
    // output, at the smallest ratio the loop may use (sinc filters widen below 1).
    const double min_ratio = 1.0 / (1.0 + max_correction_ppm_ * 1e-6);
    float probe_out[32 * 2] = {};
    for (std::size_t n = 1; n <= zeros_frames_; ++n) {
      reset_converter();
      std::size_t used = 0, generated = 0;
      if (!convert(zeros_.get(), n, probe_out, 1, min_ratio, used, generated)) break;
      if (generated > 0) {
        lookahead_ = n;
        break;
      }
    }
    if (lookahead_ == 0) throw std::runtime_error("playout converter produced no output while probing");
    reset_converter();

    skip_silence_ = config.skip_silence && delay_ == 0;
    silence_history_ = std::max<std::int64_t>(kSilenceHistoryFrames, 2 * static_cast<std::int64_t>(lookahead_) + 16);
    if (static_cast<std::size_t>(silence_history_) > zeros_frames_) {
      zeros_frames_ = static_cast<std::size_t>(silence_history_);
      zeros_ = std::make_unique<float[]>(zeros_frames_ * static_cast<std::size_t>(channels_));
    }
    prime_out_ =
        std::make_unique<float[]>(static_cast<std::size_t>(silence_history_) * static_cast<std::size_t>(channels_));

    in_cap_ = 2 * capacity_ + lookahead_ + 64;
    in_buf_ = std::make_unique<float[]>(in_cap_ * static_cast<std::size_t>(channels_));
    records_cap_ = config.history_blocks;
    records_ = std::make_unique<Record[]>(records_cap_);
  } catch (...) {
    if (src_ != nullptr) src_delete(src_);
    throw;
  }
  out_whole_ = -delay_;  // linear: output k is input position k·step − 1
  apply_correction(0.0);
}

PlayoutStage::~PlayoutStage() {
  if (src_ != nullptr) src_delete(src_);
}

void PlayoutStage::reset_converter() noexcept {
  if (drift_)
    drift_->reset();
  else
    src_reset(src_);
}

bool PlayoutStage::convert(const float* in, std::size_t in_frames, float* out, std::size_t out_frames, double ratio,
                           std::size_t& used, std::size_t& generated) noexcept {
  if (drift_) {
    const auto r = drift_->process(in, in_frames, out, out_frames, ratio);
    used = r.input_used;
    generated = r.output_generated;
    return true;
  }
  SRC_DATA d{};
  d.data_in = in;
  d.input_frames = static_cast<long>(in_frames);
  d.data_out = out;
  d.output_frames = static_cast<long>(out_frames);
  d.src_ratio = ratio;
  d.end_of_input = 0;
  if (src_process(src_, &d) != 0) return false;
  used = static_cast<std::size_t>(d.input_frames_used);
  generated = static_cast<std::size_t>(d.output_frames_gen);
  return true;
}

void PlayoutStage::apply_correction(double ppm) noexcept {
  const double step = 1.0 + ppm * 1e-6;
  ratio_ = 1.0 / step;
  step_ = 1.0 / ratio_;  // exactly what the converters add per output frame
}

std::int64_t PlayoutStage::floor_out_pos() const noexcept { return out_whole_; }

std::int64_t PlayoutStage::retain_from() const noexcept {
  // Frames not fed yet, and the frames around the play position (an insert
  // realign resumes at the next unplayed frame).
  return std::min(fed_, floor_out_pos() - 2);
}

void PlayoutStage::compact() noexcept {
  const std::int64_t keep = retain_from();
  if (keep <= in_begin_) return;
  if (keep >= next_push_) {
    in_begin_ = next_push_;
    return;
  }
  const auto drop = static_cast<std::size_t>(keep - in_begin_);
  const auto left = static_cast<std::size_t>(next_push_ - keep);
  const auto ch = static_cast<std::size_t>(channels_);
  std::memmove(in_buf_.get(), in_buf_.get() + drop * ch, left * ch * sizeof(float));
  in_begin_ = keep;
}

std::size_t PlayoutStage::input_frames_wanted(std::size_t output_frames) const noexcept {
  const std::size_t n = std::min(output_frames, capacity_);
  if (n == 0) return 0;
  const double last = out_frac_ + static_cast<double>(n - 1) * step_;
  const std::int64_t need_end = out_whole_ + floor_to_int(last) + delay_ + static_cast<std::int64_t>(lookahead_) + 2;
  return need_end > next_push_ ? static_cast<std::size_t>(need_end - next_push_) : 0;
}

bool PlayoutStage::push(const float* interleaved, std::size_t frames) noexcept {
  if (frames == 0) return true;
  if (interleaved == nullptr) return false;
  const std::int64_t start = next_push_;
  const std::int64_t end = start + static_cast<std::int64_t>(frames);
  const std::int64_t store_from = std::max(start, retain_from());
  if (store_from < end) {
    compact();
    const auto stored = static_cast<std::size_t>(next_push_ - in_begin_);
    const auto count = static_cast<std::size_t>(end - store_from);
    if (stored + count > in_cap_) return false;
    const auto ch = static_cast<std::size_t>(channels_);
    std::memcpy(in_buf_.get() + stored * ch, interleaved + static_cast<std::size_t>(store_from - start) * ch,
                count * ch * sizeof(float));
    if (stored == 0) in_begin_ = store_from;
  }
  // The last frame with sound (a scan from the end: O(1) while music plays).
  const std::size_t samples = frames * static_cast<std::size_t>(channels_);
  for (std::size_t i = samples; i-- > 0;) {
    if (interleaved[i] != 0.0f) {
      last_sound_ = std::max(last_sound_, start + static_cast<std::int64_t>(i / static_cast<std::size_t>(channels_)));
      break;
    }
  }
  next_push_ = end;
  if (in_begin_ > next_push_) in_begin_ = next_push_;
  return true;
}

bool PlayoutStage::can_skip(std::size_t frames) const noexcept {
  if (!skip_silence_ || silence_pending_ > 0 || last_sound_ >= out_whole_ - silence_history_) return false;
  // Only with the input this call needs (else the converter path reports the shortfall).
  const double last = out_frac_ + static_cast<double>(frames - 1) * step_;
  const std::int64_t need_end = out_whole_ + floor_to_int(last) + delay_ + static_cast<std::int64_t>(lookahead_) + 2;
  return next_push_ >= need_end;
}

bool PlayoutStage::prime() noexcept {
  // Reset at w − K (K silent frames of history) and make K outputs at the step
  // (K + f) / K: the next output sits at w + f, as in a converter that never stopped.
  const auto ch = static_cast<std::size_t>(channels_);
  const std::int64_t k = silence_history_;
  const double ratio = 1.0 / ((static_cast<double>(k) + out_frac_) / static_cast<double>(k));
  reset_converter();
  if (src_ != nullptr) src_set_ratio(src_, ratio);
  // Frames [w − K, w) are silent (can_skip() saw them so), and so are any
  // before in_begin_ (not stored: an insert realign's silence the converter
  // swallowed whole before the skip began).
  const std::int64_t from = std::max(out_whole_, in_begin_);
  std::int64_t zeros_left = k + (from - out_whole_);
  std::int64_t next = from;
  const auto wanted = static_cast<std::size_t>(k);
  std::size_t produced = 0;
  for (int it = 0; it < kMaxIterationsPerPull && produced < wanted; ++it) {
    const bool zeros = zeros_left > 0;
    const float* in = zeros_.get();
    std::size_t avail = 0;
    if (zeros) {
      avail = static_cast<std::size_t>(std::min<std::int64_t>(zeros_left, static_cast<std::int64_t>(zeros_frames_)));
    } else if (next_push_ > next && next >= in_begin_) {
      avail = static_cast<std::size_t>(next_push_ - next);
      in = in_buf_.get() + static_cast<std::size_t>(next - in_begin_) * ch;
    }
    std::size_t used = 0, generated = 0;
    if (!convert(in, avail, prime_out_.get() + produced * ch, wanted - produced, ratio, used, generated)) return false;
    if (zeros)
      zeros_left -= static_cast<std::int64_t>(used);
    else
      next += static_cast<std::int64_t>(used);
    produced += generated;
    if (used == 0 && generated == 0) break;
  }
  if (produced < wanted) return false;  // input short: stays behind, primed again next call
  fed_ = next;
  silence_pending_ = static_cast<std::uint64_t>(zeros_left);  // silent history not fed yet
  converter_behind_ = false;
  ++stats_.converter_primes;
  return true;
}

std::size_t PlayoutStage::pull(float* out, std::size_t frames) noexcept {
  const std::size_t n = std::min(frames, capacity_);
  if (n == 0 || out == nullptr) return 0;
  const auto ch = static_cast<std::size_t>(channels_);
  const std::int64_t start_whole = out_whole_;
  const double start_frac = out_frac_;

  std::size_t produced = 0;
  const bool skip = can_skip(n);
  if (skip) {
    std::memset(out, 0, n * ch * sizeof(float));  // what the converter makes of silence
    produced = n;
    converter_behind_ = true;
    stats_.silent_frames_skipped += n;
  } else if (converter_behind_ && !prime()) {
    ++stats_.input_shortfalls;
    return 0;
  }
  if (src_ != nullptr) src_set_ratio(src_, ratio_);  // no glide: the step is constant within a pull
  for (int it = 0; !skip && it < kMaxIterationsPerPull && produced < n; ++it) {
    const float* in = zeros_.get();
    std::size_t avail = 0;
    const bool silence = silence_pending_ > 0;
    if (silence) {
      avail = static_cast<std::size_t>(std::min<std::uint64_t>(silence_pending_, zeros_frames_));
    } else {
      if (fed_ < in_begin_) fed_ = in_begin_;  // defensive: never read before the stored frames
      if (next_push_ > fed_) {
        avail = static_cast<std::size_t>(next_push_ - fed_);
        in = in_buf_.get() + static_cast<std::size_t>(fed_ - in_begin_) * ch;
      }
    }
    std::size_t used = 0, generated = 0;
    if (!convert(in, avail, out + produced * ch, n - produced, ratio_, used, generated)) break;
    if (silence)
      silence_pending_ -= std::min<std::uint64_t>(used, silence_pending_);
    else
      fed_ += static_cast<std::int64_t>(used);
    produced += generated;
    if (used == 0 && generated == 0) break;
  }

  if (produced > 0) {
    Record& r = records_[records_head_];
    r.ring_start = ring_next_;
    r.frames = produced;
    r.whole = start_whole;
    r.frac = start_frac;
    r.step = step_;
    records_head_ = (records_head_ + 1) % records_cap_;
    records_count_ = std::min(records_count_ + 1, records_cap_);
    ring_next_ += produced;
    out_frac_ += static_cast<double>(produced) * step_;
    const double carry = std::floor(out_frac_);
    out_whole_ += static_cast<std::int64_t>(carry);
    out_frac_ -= carry;
  }
  if (skip) fed_ = out_whole_;  // the primer feeds from the play position on
  if (produced < n) ++stats_.input_shortfalls;
  return produced;
}

bool PlayoutStage::lookup(std::uint64_t ring_frame, std::int64_t& whole, double& frac) const noexcept {
  if (ring_frame >= ring_next_) return false;
  for (std::size_t k = 0; k < records_count_; ++k) {
    const Record& r = records_[(records_head_ + records_cap_ - 1 - k) % records_cap_];
    if (ring_frame < r.ring_start) continue;
    if (ring_frame - r.ring_start >= r.frames) return false;
    const double f = r.frac + static_cast<double>(ring_frame - r.ring_start) * r.step;
    const double fl = std::floor(f);
    whole = r.whole + static_cast<std::int64_t>(fl);
    frac = f - fl;
    return true;
  }
  return false;
}

std::optional<PlayoutStage::MeshPosition> PlayoutStage::position_of(std::uint64_t ring_frame) const noexcept {
  std::int64_t whole = 0;
  double frac = 0.0;
  if (!lookup(ring_frame, whole, frac)) return std::nullopt;
  MeshPosition p;
  if (__builtin_add_overflow(m0_, whole, &p.frame)) return std::nullopt;
  p.fraction = frac;
  return p;
}

void PlayoutStage::observe(std::uint64_t ring_frame, std::int64_t dac_mesh_ns) noexcept {
  ++stats_.observations;
  std::int64_t whole = 0;
  double frac = 0.0;
  std::int64_t frame = 0;
  std::int64_t diff = 0;
  if (!lookup(ring_frame, whole, frac) || __builtin_add_overflow(m0_, whole, &frame) ||
      __builtin_sub_overflow(dac_mesh_ns, pts_ns(frame, rate_hz_), &diff)) {
    ++stats_.invalid_observations;
    return;
  }
  measure_rate(ring_frame, dac_mesh_ns);
  if (ring_frame < stale_before_) {
    ++stats_.stale_observations;
    return;
  }
  if (has_accepted_ && ring_frame <= last_accepted_ring_) {
    ++stats_.invalid_observations;
    return;
  }
  const double e = static_cast<double>(diff) - frac * ns_per_frame_;
  const double dt = has_accepted_ ? static_cast<double>(ring_frame - last_accepted_ring_) / rate_hz_ : 0.0;
  has_accepted_ = true;
  last_accepted_ring_ = ring_frame;
  stats_.error_ns = e;

  const bool initial = !aligned_once_;
  aligned_once_ = true;
  const auto threshold = static_cast<double>(initial ? initial_align_threshold_ns_ : realign_threshold_ns_);
  if (std::abs(e) > threshold) {
    if (beyond_count_ == 0 || std::abs(e) < std::abs(beyond_min_error_)) beyond_min_error_ = e;
    if (initial || ++beyond_count_ >= realign_after_) {
      realign(initial ? e : beyond_min_error_, initial);
      beyond_count_ = 0;
      return;
    }
    // A lone late timestamp is ignored; an error that persists pushes the loop
    // (clamped to the threshold) so a card far off still saturates it.
    if (beyond_count_ >= 2) {
      apply_correction(controller_.update(std::clamp(e, -threshold, threshold), dt));
      window_.loop_samples += 1;
      if (controller_.saturated()) window_.saturated_samples += 1;
    }
    return;
  }
  beyond_count_ = 0;
  apply_correction(controller_.update(e, dt));
  window_.loop_samples += 1;
  if (controller_.saturated()) window_.saturated_samples += 1;
}

void PlayoutStage::measure_rate(std::uint64_t ring_frame, std::int64_t dac_mesh_ns) noexcept {
  RateWindow& w = window_;
  std::int64_t dy = 0;
  if (w.started && (ring_frame <= w.last_j || __builtin_sub_overflow(dac_mesh_ns, w.d0, &dy))) return;
  if (!w.started) {
    w = RateWindow{};
    w.started = true;
    w.j0 = ring_frame;
    w.d0 = dac_mesh_ns;
  }
  w.last_j = ring_frame;
  const auto x = static_cast<double>(ring_frame - w.j0);
  const auto y = static_cast<double>(dy);
  w.n += 1;
  w.sx += x;
  w.sy += y;
  w.sxx += x * x;
  w.sxy += x * y;
  w.span_ns = y;
  if (w.span_ns < rate_window_ns_ || w.n < 3) return;

  const double den = w.n * w.sxx - w.sx * w.sx;
  const double slope = den > 0.0 ? (w.n * w.sxy - w.sx * w.sy) / den : 0.0;  // ns per ring frame
  if (slope > 0.0 && std::isfinite(slope)) {
    const double ppm = (1e9 / (slope * rate_hz_) - 1.0) * 1e6;
    stats_.measured_card_ppm = ppm;
    const bool loop_pinned = w.saturated_samples * 2.0 >= w.loop_samples && w.loop_samples > 0;
    const double enter = max_correction_ppm_ + std::max(1.0, 0.01 * max_correction_ppm_);
    const bool beyond = std::abs(ppm) > (stats_.out_of_range ? max_correction_ppm_ : enter);
    const bool now = beyond && loop_pinned;
    if (now && !stats_.out_of_range) ++stats_.out_of_range_reports;
    stats_.out_of_range = now;
  }
  // The next window starts at this report.
  w = RateWindow{};
  w.started = true;
  w.j0 = ring_frame;
  w.d0 = dac_mesh_ns;
  w.last_j = ring_frame;
  w.n = 1;
}

void PlayoutStage::realign(double error_ns, bool initial) noexcept {
  const double shift = error_ns / ns_per_frame_;  // frames; > 0 = play later content now (drop)
  const std::int64_t target = out_whole_ + std::llround(out_frac_ + shift);
  const std::int64_t next_unplayed = out_whole_ + std::llround(out_frac_);
  const std::int64_t first_fed = target + delay_;  // the output after the reset sits at first_fed − delay
  // Content never resumes before the current content start: positions below it
  // are silence an earlier insert put there (those frames were played already).
  const std::int64_t content = std::max(first_fed, std::max(next_unplayed, content_start_));

  reset_converter();
  converter_behind_ = false;
  silence_pending_ = static_cast<std::uint64_t>(content - first_fed);
  fed_ = content;
  content_start_ = content;
  out_whole_ = target;
  out_frac_ = 0.0;
  stale_before_ = ring_next_;
  controller_.rebase();

  const std::int64_t delta = target - next_unplayed;  // > 0 dropped, < 0 inserted
  if (initial) {
    ++stats_.initial_alignments;
    stats_.initial_alignment_frames = delta;
  } else {
    ++stats_.realigns;
    if (delta > 0)
      stats_.frames_dropped += static_cast<std::uint64_t>(delta);
    else
      stats_.frames_inserted += static_cast<std::uint64_t>(-delta);
  }
}

void PlayoutStage::set_correction_ppm(double ppm) noexcept {
  controller_.preset(ppm);
  apply_correction(controller_.correction_ppm());
}

PlayoutStage::Stats PlayoutStage::stats() const noexcept {
  Stats s = stats_;
  s.filtered_error_ns = controller_.filtered_error_ns();
  s.correction_ppm = controller_.correction_ppm();
  s.card_rate_ppm = (ratio_ - 1.0) * 1e6;
  s.locked = controller_.locked();
  s.ring_frames = ring_next_;
  s.next_mesh_frame = m0_ + out_whole_;
  s.next_input_frame = m0_ + next_push_;
  return s;
}

}  // namespace crowdmesh::device

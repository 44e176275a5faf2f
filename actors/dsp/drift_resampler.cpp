#include "dsp/drift_resampler.hpp"

#include "dsp/sample_lanes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace crowdmesh::dsp {

namespace {

constexpr int kHalf = DriftResampler::kTaps / 2;
// History frames per channel beyond the filter: one memmove of kTaps frames per
// this many input frames.
constexpr std::size_t kHistoryBlock = 4096;

using lanes::kLanes;
using lanes::Lanes;
using lanes::load;
static_assert(DriftResampler::kTaps % (2 * kLanes) == 0, "taps must fill whole pairs of lanes");

// One output frame: the coefficients of `phase` and the next row, linearly
// interpolated at t, applied to the kTaps history frames from x0 of every
// channel (planar, `stride` floats apart). Inline, so that each caller below
// compiles it for its own instruction set.
inline __attribute__((always_inline)) void render_frame_inline(const float* r0, float t, const float* x0,
                                                               std::size_t stride, int channels,
                                                               float* out) noexcept {
  constexpr int kTaps = DriftResampler::kTaps;
  const float* r1 = r0 + kTaps;
  Lanes coef[kTaps / kLanes];
#pragma GCC unroll 8
  for (int k = 0; k < kTaps / kLanes; ++k) {
    Lanes a, b;
    load(a, r0 + k * kLanes);
    load(b, r1 + k * kLanes);
    coef[k] = a + t * (b - a);
  }
  for (int c = 0; c < channels; ++c) {
    const float* x = x0 + static_cast<std::size_t>(c) * stride;
    Lanes x_0, x_1;
    load(x_0, x);
    load(x_1, x + kLanes);
    Lanes acc0 = x_0 * coef[0];
    Lanes acc1 = x_1 * coef[1];
#pragma GCC unroll 4
    for (int k = 2; k < kTaps / kLanes; k += 2) {
      load(x_0, x + k * kLanes);
      load(x_1, x + (k + 1) * kLanes);
      acc0 += coef[k] * x_0;
      acc1 += coef[k + 1] * x_1;
    }
    const Lanes s = acc0 + acc1;
    out[c] = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
  }
}

// A run of output frames over the history as it stands: what render_run reads
// and the output position it advances.
struct Run {
  const float* table;        // coefficient_table()
  const float* history;      // planar history, channel c at c × stride
  std::size_t stride;        // history frames per channel
  int channels;
  std::int64_t first;        // input index of history frame 0
  std::int64_t end;          // input index one past the last history frame
  std::int64_t whole;        // output position, integer part (advanced)
  double frac;               // output position, fraction in [0, 1) (advanced)
  double step;               // input frames per output frame
};

// Renders output frames to `out` (interleaved) until `max_frames` are written
// or the next one would read past the history; returns how many.
inline __attribute__((always_inline)) std::size_t render_run_inline(Run& run, float* out,
                                                                    std::size_t max_frames) noexcept {
  constexpr int kTaps = DriftResampler::kTaps;
  constexpr int kPhases = DriftResampler::kPhases;
  std::size_t n = 0;
  while (n < max_frames && run.whole + kHalf < run.end) {
    const double pos = run.frac * kPhases;
    const int phase = std::min(static_cast<int>(pos), kPhases - 1);
    const float t = static_cast<float>(pos - phase);
    render_frame_inline(run.table + static_cast<std::size_t>(phase) * kTaps, t,
                        run.history + static_cast<std::size_t>(run.whole - kHalf + 1 - run.first), run.stride,
                        run.channels, out + n * static_cast<std::size_t>(run.channels));
    ++n;
    run.frac += run.step;
    const auto carry = static_cast<std::int64_t>(run.frac);  // floor: frac ≥ 0
    run.whole += carry;
    run.frac -= static_cast<double>(carry);
  }
  return n;
}

std::size_t render_run_portable(Run& run, float* out, std::size_t max_frames) noexcept {
  return render_run_inline(run, out, max_frames);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CROWDMESH_DRIFT_AVX2 1
__attribute__((target("avx2,fma"))) std::size_t render_run_avx2(Run& run, float* out,
                                                                 std::size_t max_frames) noexcept {
  return render_run_inline(run, out, max_frames);
}
#endif

// The windowed sinc at t input frames from the output position (|t| ≤ kHalf).
double kernel(double t) {
  const double x = t / kHalf;
  if (x <= -1.0 || x >= 1.0) return 0.0;
  const double window = std::cyl_bessel_i(0.0, DriftResampler::kKaiserBeta * std::sqrt(1.0 - x * x)) /
                        std::cyl_bessel_i(0.0, DriftResampler::kKaiserBeta);
  if (t == std::round(t)) return t == 0.0 ? 1.0 : 0.0;  // exact zeros at whole frames: phase 0 is an impulse
  const double sinc = std::sin(M_PI * t) / (M_PI * t);
  return sinc * window;
}

std::vector<float> build_table() {
  // Row p: tap j multiplies input frame floor(position) − kHalf + 1 + j, at
  // t = p / kPhases + kHalf − 1 − j frames from the position; each row is
  // scaled to unit gain at DC.
  constexpr int kTaps = DriftResampler::kTaps;
  constexpr int kPhases = DriftResampler::kPhases;
  std::vector<float> table(static_cast<std::size_t>(kPhases + 1) * kTaps);
  for (int p = 0; p <= kPhases; ++p) {
    double row[kTaps];
    double sum = 0.0;
    for (int j = 0; j < kTaps; ++j) {
      row[j] = kernel(static_cast<double>(p) / kPhases + kHalf - 1 - j);
      sum += row[j];
    }
    for (int j = 0; j < kTaps; ++j)
      table[static_cast<std::size_t>(p) * kTaps + static_cast<std::size_t>(j)] = static_cast<float>(row[j] / sum);
  }
  return table;
}

}  // namespace

const std::vector<float>& DriftResampler::coefficient_table() {
  static const std::vector<float> table = build_table();
  return table;
}

bool DriftResampler::avx2_fma_available() noexcept {
#ifdef CROWDMESH_DRIFT_AVX2
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
#else
  return false;
#endif
}

DriftResampler::DriftResampler(int channels, Kernel kernel)
    : channels_(channels),
      kernel_(kernel),
      table_(nullptr),
      capacity_(kHistoryBlock + 2 * static_cast<std::size_t>(kTaps)) {
  if (channels < 1 || channels > 32)
    throw std::invalid_argument("drift resampler: " + std::to_string(channels) + " channels is outside 1..32");
  if (kernel_ == Kernel::best) kernel_ = avx2_fma_available() ? Kernel::avx2_fma : Kernel::portable;
  if (kernel_ == Kernel::avx2_fma && !avx2_fma_available())
    throw std::invalid_argument("drift resampler: the avx2_fma kernel needs an x86-64 CPU with AVX2 and FMA");
  table_ = coefficient_table().data();
  history_.resize(capacity_ * static_cast<std::size_t>(channels_));
  reset();
}

void DriftResampler::reset() noexcept {
  // kHalf − 1 frames of silence before input 0: the filter around output 0.
  count_ = kHalf - 1;
  first_ = -(kHalf - 1);
  for (int c = 0; c < channels_; ++c)
    std::fill_n(history_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(c) * capacity_), count_, 0.0f);
  whole_ = 0;
  frac_ = 0.0;
}

void DriftResampler::compact() noexcept {
  const std::int64_t keep_from = whole_ - kHalf + 1;  // the first frame the next output reads
  if (keep_from <= first_) return;
  const auto drop = std::min(static_cast<std::size_t>(keep_from - first_), count_);
  const std::size_t left = count_ - drop;
  for (int c = 0; c < channels_; ++c) {
    float* h = history_.data() + static_cast<std::size_t>(c) * capacity_;
    std::memmove(h, h + drop, left * sizeof(float));
  }
  count_ = left;
  first_ += static_cast<std::int64_t>(drop);
}

std::size_t DriftResampler::render(float* out, std::size_t max_frames, double step) noexcept {
  Run run{table_, history_.data(), capacity_, channels_, first_, first_ + static_cast<std::int64_t>(count_),
          whole_, frac_, step};
  std::size_t n = 0;
#ifdef CROWDMESH_DRIFT_AVX2
  if (kernel_ == Kernel::avx2_fma)
    n = render_run_avx2(run, out, max_frames);
  else
#endif
    n = render_run_portable(run, out, max_frames);
  whole_ = run.whole;
  frac_ = run.frac;
  return n;
}

DriftResampler::Result DriftResampler::process(const float* in, std::size_t in_frames, float* out,
                                               std::size_t out_frames, double ratio) noexcept {
  Result r;
  if (!(ratio > 0.0) || !std::isfinite(ratio) || (in == nullptr && in_frames > 0) || out == nullptr) return r;
  const double step = 1.0 / ratio;
  const auto ch = static_cast<std::size_t>(channels_);
  while (r.output_generated < out_frames) {
    const std::int64_t last_read = whole_ + kHalf;  // input index of the last frame the next output reads
    while (first_ + static_cast<std::int64_t>(count_) <= last_read) {
      if (r.input_used == in_frames) return r;
      if (count_ == capacity_) compact();
      const std::size_t n = std::min(in_frames - r.input_used, capacity_ - count_);
      const float* src = in + r.input_used * ch;
      for (std::size_t c = 0; c < ch; ++c) {
        float* h = history_.data() + c * capacity_ + count_;
        for (std::size_t f = 0; f < n; ++f) h[f] = src[f * ch + c];
      }
      count_ += n;
      r.input_used += n;
    }
    r.output_generated += render(out + r.output_generated * ch, out_frames - r.output_generated, step);
  }
  return r;
}

}  // namespace crowdmesh::dsp

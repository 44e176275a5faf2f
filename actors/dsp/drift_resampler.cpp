#include "dsp/drift_resampler.hpp"

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

// Four float lanes (SSE on x86-64, NEON on arm64); GCC and Clang vector extension.
typedef float Lanes __attribute__((vector_size(16)));
constexpr int kLanes = 4;
static_assert(DriftResampler::kTaps % kLanes == 0, "taps must fill whole lanes");

inline Lanes load(const float* p) noexcept {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

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

DriftResampler::DriftResampler(int channels)
    : channels_(channels), table_(nullptr), capacity_(kHistoryBlock + 2 * static_cast<std::size_t>(kTaps)) {
  if (channels < 1 || channels > 32)
    throw std::invalid_argument("drift resampler: " + std::to_string(channels) + " channels is outside 1..32");
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

void DriftResampler::render(float* out) noexcept {
  const double pos = frac_ * kPhases;
  const int phase = std::min(static_cast<int>(pos), kPhases - 1);
  const float t = static_cast<float>(pos - phase);
  const float* r0 = table_ + static_cast<std::size_t>(phase) * kTaps;
  const float* r1 = r0 + kTaps;
  Lanes coef[kTaps / kLanes];
  for (int k = 0; k < kTaps / kLanes; ++k) {
    const Lanes a = load(r0 + k * kLanes);
    coef[k] = a + t * (load(r1 + k * kLanes) - a);
  }
  const auto start = static_cast<std::size_t>(whole_ - kHalf + 1 - first_);
  for (int c = 0; c < channels_; ++c) {
    const float* x = history_.data() + static_cast<std::size_t>(c) * capacity_ + start;
    Lanes acc0 = {0.0f, 0.0f, 0.0f, 0.0f};
    Lanes acc1 = acc0;
    for (int k = 0; k < kTaps / kLanes; k += 2) {
      acc0 += coef[k] * load(x + k * kLanes);
      acc1 += coef[k + 1] * load(x + (k + 1) * kLanes);
    }
    const Lanes s = acc0 + acc1;
    out[c] = (s[0] + s[1]) + (s[2] + s[3]);
  }
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
    render(out + r.output_generated * ch);
    ++r.output_generated;
    frac_ += step;
    const double carry = std::floor(frac_);
    whole_ += static_cast<std::int64_t>(carry);
    frac_ -= carry;
  }
  return r;
}

}  // namespace crowdmesh::dsp

#include "dsp/biquad.hpp"

#include <cmath>
#include <complex>
#include <cstdio>
#include <stdexcept>

namespace crowdmesh::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxGainDb = 48.0;

std::string format(const char* pattern, double a, double b = 0.0) {
  char buf[200];
  std::snprintf(buf, sizeof buf, pattern, a, b);
  return buf;
}

bool is_shelf(BiquadType type) { return type == BiquadType::low_shelf || type == BiquadType::high_shelf; }

// The term under the shelf's square root in the cookbook's alpha.
double shelf_radicand(double gain_db, double slope) {
  const double a = std::pow(10.0, gain_db / 40.0);
  return (a + 1.0 / a) * (1.0 / slope - 1.0) + 2.0;
}

}  // namespace

const char* to_string(BiquadType type) {
  switch (type) {
    case BiquadType::lowpass: return "lowpass";
    case BiquadType::highpass: return "highpass";
    case BiquadType::low_shelf: return "low_shelf";
    case BiquadType::high_shelf: return "high_shelf";
    case BiquadType::peaking: return "peaking";
  }
  return "unknown";
}

std::string check_biquad(BiquadType type, double sample_rate_hz, double freq_hz, double q_or_slope, double gain_db) {
  if (!std::isfinite(sample_rate_hz) || sample_rate_hz <= 0.0) {
    return format("biquad sample rate %g Hz is invalid: must be finite and > 0 Hz", sample_rate_hz);
  }
  if (!std::isfinite(freq_hz) || freq_hz <= 0.0 || freq_hz >= sample_rate_hz / 2.0) {
    return format("biquad frequency %g Hz is out of range: must be > 0 and < %g Hz (half the sample rate)", freq_hz,
                  sample_rate_hz / 2.0);
  }
  if (!std::isfinite(q_or_slope) || q_or_slope <= 0.0) {
    return format(is_shelf(type) ? "biquad shelf slope %g is out of range: must be > 0 (1 = steepest monotonic)"
                                 : "biquad Q %g is out of range: must be finite and > 0",
                  q_or_slope);
  }
  if (!std::isfinite(gain_db) || std::fabs(gain_db) > kMaxGainDb) {
    return format("biquad gain %g dB is out of range: must be within -%g..+%g dB", gain_db, kMaxGainDb);
  }
  if (is_shelf(type) && shelf_radicand(gain_db, q_or_slope) < 0.0) {
    return format("biquad shelf slope %g is too steep for a gain of %g dB: use a slope <= 1", q_or_slope, gain_db);
  }
  return {};
}

BiquadCoefficients design_biquad(BiquadType type, double fs, double f0, double q, double gain_db) {
  const std::string problem = check_biquad(type, fs, f0, q, gain_db);
  if (!problem.empty()) throw std::invalid_argument(problem);

  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0);
  const double sw = std::sin(w0);
  const double a = std::pow(10.0, gain_db / 40.0);
  double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
  switch (type) {
    case BiquadType::lowpass: {
      const double alpha = sw / (2.0 * q);
      b0 = (1.0 - cw) / 2.0;
      b1 = 1.0 - cw;
      b2 = b0;
      a0 = 1.0 + alpha;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha;
      break;
    }
    case BiquadType::highpass: {
      const double alpha = sw / (2.0 * q);
      b0 = (1.0 + cw) / 2.0;
      b1 = -(1.0 + cw);
      b2 = b0;
      a0 = 1.0 + alpha;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha;
      break;
    }
    case BiquadType::peaking: {
      const double alpha = sw / (2.0 * q);
      b0 = 1.0 + alpha * a;
      b1 = -2.0 * cw;
      b2 = 1.0 - alpha * a;
      a0 = 1.0 + alpha / a;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha / a;
      break;
    }
    case BiquadType::low_shelf: {
      const double alpha = sw / 2.0 * std::sqrt(shelf_radicand(gain_db, q));
      const double k = 2.0 * std::sqrt(a) * alpha;
      b0 = a * ((a + 1.0) - (a - 1.0) * cw + k);
      b1 = 2.0 * a * ((a - 1.0) - (a + 1.0) * cw);
      b2 = a * ((a + 1.0) - (a - 1.0) * cw - k);
      a0 = (a + 1.0) + (a - 1.0) * cw + k;
      a1 = -2.0 * ((a - 1.0) + (a + 1.0) * cw);
      a2 = (a + 1.0) + (a - 1.0) * cw - k;
      break;
    }
    case BiquadType::high_shelf: {
      const double alpha = sw / 2.0 * std::sqrt(shelf_radicand(gain_db, q));
      const double k = 2.0 * std::sqrt(a) * alpha;
      b0 = a * ((a + 1.0) + (a - 1.0) * cw + k);
      b1 = -2.0 * a * ((a - 1.0) + (a + 1.0) * cw);
      b2 = a * ((a + 1.0) + (a - 1.0) * cw - k);
      a0 = (a + 1.0) - (a - 1.0) * cw + k;
      a1 = 2.0 * ((a - 1.0) - (a + 1.0) * cw);
      a2 = (a + 1.0) - (a - 1.0) * cw - k;
      break;
    }
  }
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

double biquad_response_db(const BiquadCoefficients& c, double sample_rate_hz, double freq_hz) {
  const std::complex<double> z1 = std::polar(1.0, -2.0 * kPi * freq_hz / sample_rate_hz);  // z^-1
  const std::complex<double> z2 = z1 * z1;
  const std::complex<double> h = (c.b0 + c.b1 * z1 + c.b2 * z2) / (1.0 + c.a1 * z1 + c.a2 * z2);
  return 20.0 * std::log10(std::abs(h));
}

Biquad::Biquad(BiquadType type, double sample_rate_hz, int channels, double freq_hz, double q_or_slope, double gain_db)
    : Biquad(design_biquad(type, sample_rate_hz, freq_hz, q_or_slope, gain_db), channels) {}

Biquad::Biquad(const BiquadCoefficients& coefficients, int channels) : c_(coefficients), channels_(channels) {
  if (channels < 1) throw std::invalid_argument("Biquad: channels must be >= 1");
  state_.assign(2 * static_cast<std::size_t>(channels), 0.0);
}

void Biquad::process(float* io, std::size_t frames) noexcept {
  const std::size_t nch = static_cast<std::size_t>(channels_);
  const BiquadCoefficients c = c_;
  for (std::size_t ch = 0; ch < nch; ++ch) {
    double z1 = state_[2 * ch];
    double z2 = state_[2 * ch + 1];
    float* p = io + ch;
    for (std::size_t f = 0; f < frames; ++f, p += nch) {
      const double x = static_cast<double>(*p) + kAntiDenormal;
      const double y = c.b0 * x + z1;
      z1 = c.b1 * x - c.a1 * y + z2;
      z2 = c.b2 * x - c.a2 * y;
      *p = static_cast<float>(y);
    }
    state_[2 * ch] = z1;
    state_[2 * ch + 1] = z2;
  }
}

void Biquad::reset() noexcept {
  for (double& z : state_) z = 0.0;
}

}  // namespace crowdmesh::dsp

#pragma once
#include <string>

#include "caf/expected.hpp"

namespace crowdmesh::stretch {

/// Converter used to bring a source to the device rate. The first five map
/// one-to-one to libsamplerate's SRC_SINC_BEST_QUALITY, SRC_SINC_MEDIUM_QUALITY,
/// SRC_SINC_FASTEST, SRC_ZERO_ORDER_HOLD and SRC_LINEAR (see libsamplerate's
/// "api_misc" page). polyphase is the project's own windowed-sinc filter
/// (dsp::DriftResampler, several times cheaper than SRC_SINC_FASTEST), used
/// for ratios at or above SamplerateResampler::kPolyphaseMinRatio and
/// sinc_medium below it (see SamplerateResampler for the rule and its figures).
/// Only the sinc converters and polyphase are band-limited; zero_order_hold and linear alias.
enum class ResamplerQuality { sinc_best, sinc_medium, sinc_fastest, zero_order_hold, linear, polyphase };

/// Parses the exact lower-case name ("sinc_best", "sinc_medium", "sinc_fastest",
/// "zero_order_hold", "linear", "polyphase"). Errors: errc::value_out_of_range whose sentence
/// quotes the text given and lists the allowed values. Thread-safe (pure).
caf::expected<ResamplerQuality> parse_resampler_quality(const std::string& text);

/// The name parse_resampler_quality() accepts for `quality`. Thread-safe (pure).
std::string to_string(ResamplerQuality quality);

}  // namespace crowdmesh::stretch

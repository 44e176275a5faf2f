#include "stretch/file_source.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "stretch/channel_map.hpp"

namespace crowdmesh::stretch {

namespace {

std::string range_sentence(const std::string& what, const std::string& value,
                           const std::string& lo, const std::string& hi) {
  return what + " " + value + " is outside the allowed range " + lo + ".." + hi;
}

}  // namespace

caf::expected<std::unique_ptr<FileSource>> FileSource::open(const std::string& path,
                                                            const SourceConfig& cfg) {
  try {
    if (cfg.device_channels < kMinChannels || cfg.device_channels > kMaxChannels)
      return make_error(errc::value_out_of_range,
                        range_sentence("device channel count", std::to_string(cfg.device_channels),
                                       std::to_string(kMinChannels), std::to_string(kMaxChannels)));
    if (cfg.device_rate_hz < kMinDeviceRateHz || cfg.device_rate_hz > kMaxDeviceRateHz)
      return make_error(errc::value_out_of_range,
                        range_sentence("device sample rate", std::to_string(cfg.device_rate_hz) + " Hz",
                                       std::to_string(kMinDeviceRateHz),
                                       std::to_string(kMaxDeviceRateHz) + " Hz"));
    if (cfg.fifo_frames < kMinFifoFrames || cfg.fifo_frames > kMaxFifoFrames)
      return make_error(errc::value_out_of_range,
                        range_sentence("FIFO size", std::to_string(cfg.fifo_frames) + " frames",
                                       std::to_string(kMinFifoFrames),
                                       std::to_string(kMaxFifoFrames) + " frames"));

    auto decoder = SndfileDecoder::open(path);
    if (!decoder) return std::move(decoder.error());
    const SourceInfo& info = (*decoder)->info();
    if (info.file_channels < kMinChannels || info.file_channels > kMaxChannels)
      return make_error(errc::unsupported_channels,
                        info.path + " has " + std::to_string(info.file_channels) +
                            " channels; supported: " + std::to_string(kMinChannels) + ".." +
                            std::to_string(kMaxChannels));
    if (info.file_rate_hz <= 0)
      return make_error(errc::unsupported_format, info.path + " reports sample rate " +
                                                      std::to_string(info.file_rate_hz) +
                                                      " Hz; it must be positive");
    const double ratio =
        static_cast<double>(cfg.device_rate_hz) / static_cast<double>(info.file_rate_hz);
    if (ratio < SamplerateResampler::kMinRatio || ratio > SamplerateResampler::kMaxRatio)
      return make_error(errc::unsupported_format,
                        info.path + " has sample rate " + std::to_string(info.file_rate_hz) +
                            " Hz; converting it to " + std::to_string(cfg.device_rate_hz) +
                            " Hz needs a ratio outside libsamplerate's 1/256..256");
    if (cfg.start_frame < 0 || (info.file_frames > 0 && cfg.start_frame > info.file_frames))
      return make_error(errc::value_out_of_range,
                        range_sentence("start frame", std::to_string(cfg.start_frame), "0",
                                       std::to_string(info.file_frames)) +
                            " for " + info.path);

    auto resampler = SamplerateResampler::create(cfg.quality, cfg.device_channels, ratio);
    if (!resampler) return std::move(resampler.error());

    if (cfg.start_frame > 0) {
      auto sought = (*decoder)->seek(cfg.start_frame);
      if (!sought) return std::move(sought.error());
    }
    return std::unique_ptr<FileSource>(
        new FileSource(cfg, std::move(*decoder), std::move(*resampler)));
  } catch (const std::exception& e) {
    return make_error(errc::internal, "opening source " + path + " failed: " + e.what());
  }
}

FileSource::FileSource(const SourceConfig& cfg, std::unique_ptr<SndfileDecoder> decoder,
                       std::unique_ptr<SamplerateResampler> resampler)
    : cfg_(cfg),
      info_(decoder->info()),
      decoder_(std::move(decoder)),
      resampler_(std::move(resampler)),
      ring_(cfg.fifo_frames, cfg.device_channels),
      decode_buf_(kDecodeBlockFrames * static_cast<std::size_t>(info_.file_channels)),
      mapped_buf_(kDecodeBlockFrames * static_cast<std::size_t>(cfg.device_channels)),
      out_buf_(kOutputBlockFrames * static_cast<std::size_t>(cfg.device_channels)),
      loop_(cfg.loop) {}

FileSource::~FileSource() = default;

void FileSource::note_error(std::string message) noexcept {
  if (error_noted_) return;
  error_noted_ = true;
  try {
    last_error_ = std::move(message);
  } catch (...) {
    // Out of memory for the message: the counter still reports it.
  }
  decode_errors_.fetch_add(1, std::memory_order_relaxed);
}

bool FileSource::refill_input() {
  bool looped = false;
  for (;;) {
    const std::size_t n = decoder_->read_frames(decode_buf_.data(), kDecodeBlockFrames);
    if (decoder_->failed()) note_error(decoder_->error_message());
    if (n > 0) {
      map_channels(decode_buf_.data(), info_.file_channels, mapped_buf_.data(),
                   cfg_.device_channels, n);
      in_offset_ = 0;
      in_pending_ = n;
      return true;
    }
    if (decoder_->failed()) return false;
    // Clean end of file. A loop that yields nothing right after seeking is an empty
    // file: end instead of spinning.
    if (looped || !loop_.load(std::memory_order_relaxed)) return false;
    auto sought = decoder_->seek(0);
    if (!sought) {
      note_error(error_sentence(sought.error()));
      return false;
    }
    looped = true;
  }
}

std::size_t FileSource::fill(std::size_t max_frames) noexcept {
  if (ended_.load(std::memory_order_relaxed)) return 0;
  const auto dch = static_cast<std::size_t>(cfg_.device_channels);
  std::size_t written = 0;
  try {
    int idle_rounds = 0;
    while (written < max_frames) {
      const std::size_t space = ring_.write_available();
      if (space == 0) break;
      if (in_pending_ == 0 && !end_of_input_ && !refill_input()) end_of_input_ = true;

      const std::size_t cap = std::min({space, max_frames - written, kOutputBlockFrames});
      auto result = resampler_->process(mapped_buf_.data() + in_offset_ * dch, in_pending_,
                                        out_buf_.data(), cap, end_of_input_);
      if (!result) {
        note_error(info_.path + ": " + error_sentence(result.error()));
        ended_.store(true, std::memory_order_release);
        break;
      }
      in_offset_ += result->input_used;
      in_pending_ -= result->input_used;
      if (result->output_generated > 0) {
        ring_.write(out_buf_.data(), result->output_generated);  // fits: cap <= space
        written += result->output_generated;
        frames_written_.store(
            frames_written_.load(std::memory_order_relaxed) +
                static_cast<std::int64_t>(result->output_generated),
            std::memory_order_relaxed);
      }
      if (end_of_input_ && in_pending_ == 0 && result->output_generated == 0) {
        ended_.store(true, std::memory_order_release);
        break;
      }
      // libsamplerate always makes progress when offered input and room; this
      // guard only keeps a misbehaving converter from spinning the reader.
      if (result->input_used == 0 && result->output_generated == 0) {
        if (++idle_rounds > 8) break;
      } else {
        idle_rounds = 0;
      }
    }
  } catch (const std::exception& e) {
    note_error(info_.path + ": reading failed: " + e.what());
    ended_.store(true, std::memory_order_release);
  } catch (...) {
    note_error(info_.path + ": reading failed");
    ended_.store(true, std::memory_order_release);
  }
  return written;
}

bool FileSource::input_ended() const noexcept { return ended_.load(std::memory_order_acquire); }

std::int64_t FileSource::frames_written() const noexcept {
  return frames_written_.load(std::memory_order_relaxed);
}

std::size_t FileSource::read(float* dst, std::size_t frames) noexcept {
  const std::size_t n = ring_.read(dst, frames);
  if (n > 0)
    frames_read_.store(frames_read_.load(std::memory_order_relaxed) + static_cast<std::int64_t>(n),
                       std::memory_order_relaxed);
  return n;
}

std::size_t FileSource::available() const noexcept { return ring_.read_available(); }

bool FileSource::finished() const noexcept {
  return ended_.load(std::memory_order_acquire) && ring_.read_available() == 0;
}

std::int64_t FileSource::frames_read() const noexcept {
  return frames_read_.load(std::memory_order_relaxed);
}

void FileSource::set_loop(bool loop) noexcept { loop_.store(loop, std::memory_order_relaxed); }

bool FileSource::loop() const noexcept { return loop_.load(std::memory_order_relaxed); }

std::uint64_t FileSource::decode_errors() const noexcept {
  return decode_errors_.load(std::memory_order_relaxed);
}

std::string FileSource::last_error() const { return last_error_; }

}  // namespace crowdmesh::stretch

#include "encoder/mp3_stream_encoder.hpp"

#include <lame/lame.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

// Frames handed to LAME per call (bounds the scratch and MP3 buffers).
constexpr std::size_t kChunkFrames = 4608;
// Worst-case MP3 bytes for n frames per LAME's documentation: 1.25·n + 7200.
constexpr std::size_t kMp3BufBytes = kChunkFrames * 5 / 4 + 7200;

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// UTF-8 → NUL-terminated UTF-16 in host byte order with a byte-order mark (as
// id3tag_set_textinfo_utf16 expects). Malformed sequences become U+FFFD.
std::vector<unsigned short> to_utf16(const std::string& s) {
  std::vector<unsigned short> out{0xFEFF};
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool valid = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; valid && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      valid = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!valid || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      cp = 0xFFFD;
      len = 1;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<unsigned short>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<unsigned short>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<unsigned short>(cp));
    }
    i += static_cast<std::size_t>(len);
  }
  out.push_back(0);
  return out;
}

float clip(float x) { return std::isnan(x) ? 0.0f : std::clamp(x, -1.0f, 1.0f); }

}  // namespace

int Mp3StreamEncoder::quality_from_complexity(int complexity) {
  return std::clamp(9 - static_cast<int>(std::lround(complexity * 0.7)), 0, 9);
}

Mp3StreamEncoder::Mp3StreamEncoder(PcmFormat format, ByteOutput& out) : format_(format), out_(out) {}

Mp3StreamEncoder::~Mp3StreamEncoder() {
  if (gfp_) lame_close(gfp_);
}

caf::expected<std::unique_ptr<Mp3StreamEncoder>> Mp3StreamEncoder::create(const CodecSettings& settings,
                                                                          PcmFormat format, ByteOutput& out,
                                                                          const StreamMetadata& meta) {
  std::unique_ptr<Mp3StreamEncoder> self(new Mp3StreamEncoder(format, out));
  self->gfp_ = lame_init();
  if (!self->gfp_) return make_error(errc::internal, "mp3: lame_init failed: out of memory");
  lame_t g = self->gfp_;
  const auto rate = static_cast<int>(format.sample_rate_hz);
  self->info_tag_ = out.seekable();
  lame_set_in_samplerate(g, rate);
  lame_set_out_samplerate(g, rate);
  lame_set_num_channels(g, static_cast<int>(format.channels));
  lame_set_mode(g, format.channels == 1 ? MONO : JOINT_STEREO);
  lame_set_VBR(g, vbr_off);
  lame_set_brate(g, settings.bitrate_kbps);
  lame_set_quality(g, quality_from_complexity(settings.complexity));
  lame_set_bWriteVbrTag(g, self->info_tag_ ? 1 : 0);
  lame_set_write_id3tag_automatic(g, 0);

  const bool tagged = !meta.title.empty() || !meta.artist.empty() || !meta.album.empty();
  if (tagged) {
    id3tag_init(g);
    id3tag_v2_only(g);
    struct Tag {
      const char* frame;
      const std::string* value;
      void (*set_ascii)(lame_t, const char*);
    };
    const Tag tags[] = {{"TIT2", &meta.title, &id3tag_set_title},
                        {"TPE1", &meta.artist, &id3tag_set_artist},
                        {"TALB", &meta.album, &id3tag_set_album}};
    for (const auto& t : tags) {
      if (t.value->empty()) continue;
      if (is_ascii(*t.value)) {
        t.set_ascii(g, t.value->c_str());
      } else if (int rc = id3tag_set_textinfo_utf16(g, t.frame, to_utf16(*t.value).data()); rc != 0) {
        return make_error(errc::internal, std::string("mp3: setting the ID3v2 ") + t.frame + " frame failed (" +
                                              std::to_string(rc) + ")");
      }
    }
  }
  if (int rc = lame_init_params(g); rc < 0)
    return make_error(errc::internal, "mp3: lame_init_params refused " + std::to_string(rate) + " Hz, " +
                                          std::to_string(format.channels) + " channels, " +
                                          std::to_string(settings.bitrate_kbps) + " kb/s (" + std::to_string(rc) + ")");
  if (tagged) {
    std::vector<unsigned char> tag(lame_get_id3v2_tag(g, nullptr, 0));
    if (!tag.empty()) {
      const std::size_t n = lame_get_id3v2_tag(g, tag.data(), tag.size());
      if (n > tag.size()) return make_error(errc::internal, "mp3: lame_get_id3v2_tag failed");
      if (auto ok = self->emit(tag.data(), static_cast<int>(n)); !ok) return std::move(ok.error());
    }
  }
  self->first_frame_at_ = out.tell();
  self->mp3buf_.resize(kMp3BufBytes);
  return self;
}

caf::expected<void> Mp3StreamEncoder::emit(const unsigned char* data, int n) {
  if (n <= 0) return {};
  if (!out_.write(data, static_cast<std::size_t>(n)))
    return make_error(errc::io_error, "mp3: the output refused encoded bytes");
  bytes_out_ += static_cast<std::uint64_t>(n);
  return {};
}

caf::expected<void> Mp3StreamEncoder::encode(const float* interleaved, std::size_t frames) {
  if (finished_) return make_error(errc::internal, "mp3: encoder used after finish()");
  const std::size_t ch = format_.channels;
  scratch_.resize(std::min(frames, kChunkFrames) * ch);
  caf::expected<void> result{};
  for (std::size_t done = 0; done < frames;) {
    const std::size_t n = std::min(frames - done, kChunkFrames);
    const float* src = interleaved + done * ch;
    for (std::size_t i = 0; i < n * ch; ++i) scratch_[i] = clip(src[i]);
    const int bytes = ch == 2
                          ? lame_encode_buffer_interleaved_ieee_float(gfp_, scratch_.data(), static_cast<int>(n),
                                                                      mp3buf_.data(), static_cast<int>(mp3buf_.size()))
                          : lame_encode_buffer_ieee_float(gfp_, scratch_.data(), scratch_.data(), static_cast<int>(n),
                                                          mp3buf_.data(), static_cast<int>(mp3buf_.size()));
    if (bytes < 0) return make_error(errc::internal, "mp3: lame_encode_buffer failed (" + std::to_string(bytes) + ")");
    frames_in_ += n;
    done += n;
    if (auto ok = emit(mp3buf_.data(), bytes); !ok) result = std::move(ok);
  }
  return result;
}

caf::expected<void> Mp3StreamEncoder::flush() {
  if (finished_) return make_error(errc::internal, "mp3: encoder used after finish()");
  return {};
}

caf::expected<void> Mp3StreamEncoder::finish() {
  if (finished_) return {};
  finished_ = true;
  const int bytes = lame_encode_flush(gfp_, mp3buf_.data(), static_cast<int>(mp3buf_.size()));
  if (bytes < 0) return make_error(errc::internal, "mp3: lame_encode_flush failed (" + std::to_string(bytes) + ")");
  if (auto ok = emit(mp3buf_.data(), bytes); !ok) return ok;
  if (!info_tag_) return {};
  unsigned char tag[2880];  // the largest Layer III frame (8 kHz, 160 kb/s) is 2880 bytes
  const std::size_t n = lame_get_lametag_frame(gfp_, tag, sizeof(tag));
  if (n == 0) return {};
  if (n > sizeof(tag))
    return make_error(errc::internal, "mp3: lame_get_lametag_frame needs " + std::to_string(n) + " bytes");
  const std::uint64_t end = out_.tell();
  if (!out_.seek(first_frame_at_) || !out_.write(tag, n) || !out_.seek(end))
    return make_error(errc::io_error,
                      "mp3: the output refused the Info tag at byte " + std::to_string(first_frame_at_));
  return {};
}

}  // namespace crowdmesh::encoder

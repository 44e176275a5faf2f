#include "stretch/sndfile_decoder.hpp"

#include <sndfile.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/error.hpp"

namespace crowdmesh::stretch {

namespace {

SNDFILE* as_sndfile(void* p) { return static_cast<SNDFILE*>(p); }

std::string short_format_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64: return "WAV";
    case SF_FORMAT_AIFF: return "AIFF";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_CAF: return "CAF";
    case SF_FORMAT_W64: return "W64";
    case SF_FORMAT_AU: return "AU";
    case SF_FORMAT_MPEG:
      switch (format & SF_FORMAT_SUBMASK) {
        case SF_FORMAT_MPEG_LAYER_I: return "MP1";
        case SF_FORMAT_MPEG_LAYER_II: return "MP2";
        default: return "MP3";
      }
    default: break;
  }
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
  return "unknown";
}

std::string long_format_name(int format) {
  std::string out;
  SF_FORMAT_INFO major{};
  major.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0 && major.name) out = major.name;
  // Subtypes are listed, not looked up directly.
  int count = 0;
  sf_command(nullptr, SFC_GET_FORMAT_SUBTYPE_COUNT, &count, sizeof count);
  for (int i = 0; i < count; ++i) {
    SF_FORMAT_INFO sub{};
    sub.format = i;
    if (sf_command(nullptr, SFC_GET_FORMAT_SUBTYPE, &sub, sizeof sub) != 0) continue;
    if (sub.format == (format & SF_FORMAT_SUBMASK) && sub.name) {
      if (!out.empty()) out += ", ";
      out += sub.name;
      break;
    }
  }
  return out;
}

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a plain file";
}

}  // namespace

caf::expected<std::unique_ptr<SndfileDecoder>> SndfileDecoder::open(const std::string& path) {
  try {
    if (path.empty()) return make_error(errc::file_not_found, "no audio file path given (empty string)");
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    if (ec) abs = std::filesystem::path(path);
    const std::string abs_path = abs.lexically_normal().string();
    const auto status = std::filesystem::status(abs_path, ec);
    if (!std::filesystem::exists(status)) return make_error(errc::file_not_found, "audio file not found: " + abs_path);
    if (std::filesystem::is_directory(status))
      return make_error(errc::unreadable_file, "cannot read audio file " + abs_path + ": it is a directory");

    // Opened without blocking, then checked: a FIFO would block open() until
    // a writer comes, and a device (/dev/zero) never ends. Only regular files
    // are audio files.
    const int fd = ::open(abs_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT) return make_error(errc::file_not_found, "audio file not found: " + abs_path);
      return make_error(errc::unreadable_file, "cannot read audio file " + abs_path + ": " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return make_error(errc::unreadable_file,
                        "cannot read audio file " + abs_path + ": it is not a regular file (" + file_kind(st.st_mode) + ")");
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    SF_INFO sfinfo{};
    SNDFILE* file = sf_open_fd(fd, SFM_READ, &sfinfo, SF_TRUE);  // closes fd, also on failure
    if (file == nullptr)
      return make_error(errc::unreadable_file,
                        "cannot decode audio file " + abs_path + ": libsndfile says \"" + sf_strerror(nullptr) + "\"");
    std::unique_ptr<SndfileDecoder> dec(new SndfileDecoder());
    dec->file_ = file;
    dec->info_.path = abs_path;
    dec->info_.format = short_format_name(sfinfo.format);
    dec->info_.format_name = long_format_name(sfinfo.format);
    dec->info_.file_rate_hz = sfinfo.samplerate;
    dec->info_.file_channels = sfinfo.channels;
    dec->info_.file_frames = static_cast<std::int64_t>(sfinfo.frames);
    return dec;
  } catch (const std::exception& e) {
    return make_error(errc::internal, "opening audio file " + path + " failed: " + e.what());
  }
}

SndfileDecoder::~SndfileDecoder() {
  if (file_ != nullptr) sf_close(as_sndfile(file_));
}

std::size_t SndfileDecoder::read_frames(float* dst, std::size_t frames) noexcept {
  if (failed_ || frames == 0) return 0;
  const sf_count_t got = sf_readf_float(as_sndfile(file_), dst, static_cast<sf_count_t>(frames));
  // Checked after every read: libFLAC, for one, flags "lost sync" on a full read
  // and then resynchronises silently.
  if (sf_error(as_sndfile(file_)) != SF_ERR_NO_ERROR) {
    failed_ = true;
    try {
      error_message_ = "decode error in " + info_.path + " near frame " +
                       std::to_string(position_ + (got > 0 ? got : 0)) + ": libsndfile says \"" +
                       sf_strerror(as_sndfile(file_)) + "\"";
    } catch (...) {
      // Out of memory for the message: failed_ still reports the error.
    }
  }
  if (got > 0) position_ += got;
  return got < 0 ? 0 : static_cast<std::size_t>(got);
}

caf::expected<void> SndfileDecoder::seek(std::int64_t frame) {
  if (frame < 0 || sf_seek(as_sndfile(file_), static_cast<sf_count_t>(frame), SEEK_SET) < 0)
    return make_error(errc::value_out_of_range, "cannot seek to frame " + std::to_string(frame) + " in " + info_.path +
                                                    " (allowed 0.." + std::to_string(info_.file_frames) + ")");
  position_ = frame;
  return {};
}

}  // namespace crowdmesh::stretch

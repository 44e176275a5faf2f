#include "encoder/file_sink.hpp"
#include "common/local_clock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "common/error.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::encoder {

namespace {

std::string absolute_pattern(const std::string& pattern) {
  if (!pattern.empty() && pattern.front() == '/') return pattern;
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  if (ec) return pattern;
  return (cwd / pattern).lexically_normal().string();
}

constexpr int kMaxNumbered = 10000;

}  // namespace

FileSink::FileSink(std::string pattern, SinkOptions options, Clock now_ns)
    : pattern_(absolute_pattern(pattern)), options_(std::move(options)), now_ns_(std::move(now_ns)) {
  if (!now_ns_) now_ns_ = steady_now_ns;
  buffer_.reserve(kBufferBytes);
  status_.target = pattern_;
}

FileSink::~FileSink() { close_file(); }

std::string FileSink::expand_pattern(const std::string& pattern, std::time_t when) {
  if (pattern.find('%') == std::string::npos) return pattern;
  std::tm tm{};
  localtime_r(&when, &tm);
  // strftime returns 0 both for "too small" and for an empty result: grow a few
  // times, then give the pattern back unchanged.
  std::vector<char> out(pattern.size() * 4 + 64);
  for (int attempt = 0; attempt < 6; ++attempt) {
    const std::size_t n = std::strftime(out.data(), out.size(), pattern.c_str(), &tm);
    if (n > 0) return std::string(out.data(), n);
    out.resize(out.size() * 4);
  }
  return pattern;
}

std::string FileSink::numbered_path(const std::string& path, int n) {
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  const std::string suffix = "-" + std::to_string(n);
  // A dot that starts the file name ("/a/.hidden") is not an extension.
  if (dot == std::string::npos || (slash != std::string::npos && dot <= slash + 1) || dot == 0) return path + suffix;
  return path.substr(0, dot) + suffix + path.substr(dot);
}

caf::expected<void> FileSink::begin_stream(const StreamInfo& info) {
  (void)info;
  close_file();
  const std::string wanted = expand_pattern(pattern_, std::time(nullptr));
  auto fail = [&](const std::string& path, const std::string& reason) {
    const std::string sentence = "cannot create " + path + ": " + reason;
    std::lock_guard<std::mutex> lock(mutex_);
    status_.state = SinkState::failed;
    status_.target = path;
    status_.last_error = sentence;
    ++status_.errors;
    return make_error(errc::io_error, sentence);
  };

  const std::filesystem::path parent = std::filesystem::path(wanted).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return fail(wanted, ec.message() + " (creating directory " + parent.string() + ")");
  }

  std::string path = wanted;
  int fd = -1;
  for (int n = 1; n <= kMaxNumbered; ++n) {
    path = n == 1 ? wanted : numbered_path(wanted, n);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) break;
  }
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST)
      return fail(wanted, "it and its numbered variants up to -" + std::to_string(kMaxNumbered) + " exist");
    return fail(path, std::strerror(err));
  }

  fd_ = fd;
  path_ = path;
  pos_ = end_ = buf_offset_ = 0;
  buffer_.clear();
  write_failed_ = false;
  stream_start_ns_ = last_flush_ns_ = now_ns_();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.state = SinkState::open;
    status_.target = path_;
    ++status_.streams;
  }
  spdlog::info("file sink: writing {}", path_);
  return caf::unit;
}

void FileSink::close_file() {
  if (fd_ < 0) return;
  flush();
  ::close(fd_);
  fd_ = -1;
}

void FileSink::end_stream() {
  if (fd_ < 0) return;
  close_file();
  std::lock_guard<std::mutex> lock(mutex_);
  if (status_.state != SinkState::failed) status_.state = SinkState::closed;
}

bool FileSink::wants_new_stream() {
  if (fd_ < 0 || options_.rotate_seconds <= 0) return false;
  return static_cast<double>(now_ns_() - stream_start_ns_) >= options_.rotate_seconds * 1e9;
}

void FileSink::poll() {
  if (fd_ >= 0 && !buffer_.empty()) flush();
}

void FileSink::fail_write(const std::string& what, int err) {
  write_failed_ = true;
  const std::string sentence = what + " " + path_ + ": " + std::strerror(err);
  spdlog::error("file sink: {}", sentence);
  std::lock_guard<std::mutex> lock(mutex_);
  status_.state = SinkState::failed;
  status_.last_error = sentence;
  ++status_.errors;
}

bool FileSink::flush() {
  last_flush_ns_ = now_ns_();
  if (buffer_.empty()) return !write_failed_;
  if (fd_ < 0 || write_failed_) {
    buffer_.clear();
    return false;
  }
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t r =
        ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done, static_cast<off_t>(buf_offset_ + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      fail_write("cannot write", r < 0 ? errno : EIO);
      buffer_.clear();
      return false;
    }
    done += static_cast<std::size_t>(r);
  }
  const std::uint64_t new_end = buf_offset_ + buffer_.size();
  buffer_.clear();
  if (new_end > end_) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_.bytes_written += new_end - end_;
    end_ = new_end;
  }
  return true;
}

bool FileSink::write(const std::uint8_t* data, std::size_t n) {
  if (fd_ < 0 || write_failed_) return false;
  if (n == 0) return true;
  // The buffer holds one contiguous run starting at buf_offset_.
  if (!buffer_.empty() && buf_offset_ + buffer_.size() != pos_ && !flush()) return false;
  if (buffer_.empty()) buf_offset_ = pos_;
  if (buffer_.size() + n > kBufferBytes && !flush()) return false;
  if (buffer_.empty()) buf_offset_ = pos_;
  buffer_.insert(buffer_.end(), data, data + n);
  pos_ += n;
  if (buffer_.size() >= kBufferBytes || now_ns_() - last_flush_ns_ >= kMaxHoldNs) return flush();
  return true;
}

bool FileSink::seek(std::uint64_t offset) {
  if (fd_ < 0 || write_failed_) return false;
  if (!flush()) return false;
  if (offset > end_) return false;
  pos_ = offset;
  return true;
}

SinkStatus FileSink::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

}  // namespace crowdmesh::encoder

#include "encoder/icecast_sink.hpp"

#include <shout/shout.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "spdlog/spdlog.h"

namespace crowdmesh::encoder {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// State shared between the owner's thread and the sink thread. Every field is
/// guarded by `mutex`.
struct IcecastSink::Shared {
  std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;    ///< owner asks the thread to finish
  bool exited = false;  ///< the thread has finished

  // Byte queue towards the server: a ring of fixed capacity.
  std::vector<std::uint8_t> ring;
  std::size_t head = 0;
  std::size_t size = 0;

  bool connected = false;       ///< the server accepted the source
  bool awaiting_fresh = false;  ///< drop bytes until the next begin_stream()
  bool want_new = false;        ///< wants_new_stream()
  std::uint64_t stream_bytes = 0;
  StreamInfo info;             ///< of the current stream (audio info headers)
  std::string title;           ///< now playing
  bool title_pending = false;  ///< MP3: title still to be sent
  SteadyClock::time_point next_attempt{};
  SinkStatus status;

  void push(const std::uint8_t* data, std::size_t n) {
    const std::size_t cap = ring.size();
    std::size_t tail = (head + size) % cap;
    const std::size_t first = std::min(n, cap - tail);
    std::copy(data, data + first, ring.begin() + static_cast<std::ptrdiff_t>(tail));
    std::copy(data + first, data + n, ring.begin());
    size += n;
  }
  void pop(std::vector<std::uint8_t>& out, std::size_t max) {
    const std::size_t n = std::min(max, size);
    out.resize(n);
    const std::size_t cap = ring.size();
    const std::size_t first = std::min(n, cap - head);
    std::copy(ring.begin() + static_cast<std::ptrdiff_t>(head),
              ring.begin() + static_cast<std::ptrdiff_t>(head + first), out.begin());
    std::copy(ring.begin(), ring.begin() + static_cast<std::ptrdiff_t>(n - first),
              out.begin() + static_cast<std::ptrdiff_t>(first));
    head = (head + n) % cap;
    size -= n;
  }
  void clear_queue() {
    head = 0;
    size = 0;
  }
};

namespace {

constexpr auto kPollInterval = 10ms;  // connection progress and libshout backlog
constexpr auto kIdleWait = 100ms;     // nothing to send
constexpr auto kStallTimeout = 10s;   // connect or backlog without progress
constexpr auto kStopWait = 2s;        // destructor's patience
constexpr std::size_t kChunkBytes = 16 * 1024;
constexpr ssize_t kMaxShoutBacklog = 64 * 1024;
constexpr int kStopped = 1000;   // not a libshout code
constexpr int kTimedOut = 1001;  // not a libshout code

void init_libshout_once() {
  static std::once_flag once;
  std::call_once(once, [] { shout_init(); });
}

// libshout 2.4.6's shout_free() only frees a handle that is still connected
// (an inverted check), and freeing a connected one leaks its connection. So
// handles are never freed: a closed handle goes back to this process-wide
// pool and the next sink thread reconfigures it (memory bounded by the number
// of sinks alive at once).
// Both live until the process ends (never destroyed: a sink thread may still
// hand its handle back during static destruction).
std::mutex& pool_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<shout_t*>& pool() {
  static auto* handles = new std::vector<shout_t*>;
  return *handles;
}
shout_t* take_handle() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex());
    if (!pool().empty()) {
      shout_t* sh = pool().back();
      pool().pop_back();
      return sh;
    }
  }
  return shout_new();
}
void give_handle(shout_t* sh) {
  if (sh == nullptr) return;
  shout_close(sh);
  std::lock_guard<std::mutex> lock(pool_mutex());
  pool().push_back(sh);
}

std::string shout_error_text(int code) {
  switch (code) {
    case SHOUTERR_NOCONNECT: return "cannot connect";
    case SHOUTERR_NOLOGIN: return "login refused";
    case SHOUTERR_SOCKET: return "socket error";
    case SHOUTERR_MALLOC: return "out of memory";
    case SHOUTERR_UNCONNECTED: return "not connected";
    case SHOUTERR_UNSUPPORTED: return "unsupported by libshout";
    case SHOUTERR_INSANE: return "invalid connection settings";
    case SHOUTERR_METADATA: return "metadata refused";
    case kTimedOut: return "no progress for 10 s";
    default: return "libshout error " + std::to_string(code);
  }
}

/// Configures a closed handle for `t` (non-blocking); false and `error` set
/// when libshout refuses a setting.
bool configure(shout_t* s, const IcecastTarget& t, Codec codec, const SinkOptions& o, const StreamInfo& info,
               std::string& error) {
  auto check = [&](int rc, const char* what) {
    if (rc == SHOUTERR_SUCCESS || !error.empty()) return;
    error = std::string("libshout refused ") + what + ": " + shout_error_text(rc);
  };
  check(shout_set_host(s, t.host.c_str()), "the host");
  check(shout_set_port(s, static_cast<unsigned short>(t.port)), "the port");
  check(shout_set_user(s, t.user.c_str()), "the user");
  check(shout_set_password(s, t.password.c_str()), "the password");
  check(shout_set_mount(s, t.mount.c_str()), "the mount");
  check(shout_set_protocol(s, SHOUT_PROTOCOL_HTTP), "HTTP");
  check(shout_set_tls(s, SHOUT_TLS_DISABLED), "plain TCP");
  check(shout_set_content_format(s, codec == Codec::mp3 ? SHOUT_FORMAT_MP3 : SHOUT_FORMAT_OGG, SHOUT_USAGE_AUDIO,
                                 nullptr),
        "the format");
  check(shout_set_agent(s, "Crowdmesh"), "the user agent");
  check(shout_set_public(s, 0), "public=0");
  check(shout_set_meta(s, SHOUT_META_NAME, o.stream_name.c_str()), "the stream name");
  if (info.bitrate_kbps > 0)
    check(shout_set_audio_info(s, SHOUT_AI_BITRATE, std::to_string(info.bitrate_kbps).c_str()), "the bitrate");
  if (info.format.sample_rate_hz > 0)
    check(shout_set_audio_info(s, SHOUT_AI_SAMPLERATE, std::to_string(info.format.sample_rate_hz).c_str()),
          "the sample rate");
  if (info.format.channels > 0)
    check(shout_set_audio_info(s, SHOUT_AI_CHANNELS, std::to_string(info.format.channels).c_str()), "the channels");
  check(shout_set_nonblocking(s, 1), "non-blocking mode");
  return error.empty();
}

/// Waits `d` or until stop; true when stopping.
bool wait_or_stop(IcecastSink::Shared& s, SteadyClock::duration d) {
  std::unique_lock<std::mutex> lock(s.mutex);
  return s.cv.wait_for(lock, d, [&] { return s.stop; });
}

/// Opens the connection and polls it; SHOUTERR_CONNECTED, a libshout error,
/// kTimedOut or kStopped.
int connect(shout_t* sh, IcecastSink::Shared& s) {
  int rc = shout_open(sh);
  const auto deadline = SteadyClock::now() + kStallTimeout;
  for (;;) {
    if (rc == SHOUTERR_SUCCESS || rc == SHOUTERR_CONNECTED) {
      if (shout_get_connected(sh) == SHOUTERR_CONNECTED) return SHOUTERR_CONNECTED;
    } else if (rc == SHOUTERR_UNCONNECTED) {
      const int err = shout_get_errno(sh);
      return err == SHOUTERR_SUCCESS || err == SHOUTERR_BUSY || err == SHOUTERR_RETRY ? SHOUTERR_NOCONNECT : err;
    } else if (rc != SHOUTERR_BUSY && rc != SHOUTERR_RETRY) {
      return rc;
    }
    if (SteadyClock::now() >= deadline) return kTimedOut;
    if (wait_or_stop(s, kPollInterval)) return kStopped;
    rc = shout_get_connected(sh);
  }
}

/// Sends the queue while connected: returns kStopped, or the error that ended
/// the connection.
int pump(shout_t* sh, IcecastSink::Shared& s, Codec codec, const std::string& where) {
  std::vector<std::uint8_t> chunk;
  std::uint64_t sent = 0;
  ssize_t last_backlog = 0;
  auto last_progress = SteadyClock::now();
  for (;;) {
    std::string title;
    bool send_title = false;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (s.stop) return kStopped;
      if (codec == Codec::mp3 && s.title_pending && sent > 0) {
        title = s.title;
        send_title = true;
        s.title_pending = false;
      }
    }
    if (send_title) {
      // Blocking request on a second connection (libshout makes it so).
      shout_metadata_t* md = shout_metadata_new();
      int rc = md != nullptr ? shout_metadata_add(md, "song", title.c_str()) : SHOUTERR_MALLOC;
      if (rc == SHOUTERR_SUCCESS) rc = shout_set_metadata_utf8(sh, md);
      shout_metadata_free(md);
      if (rc != SHOUTERR_SUCCESS) {
        const std::string sentence =
            "icecast " + where + " did not take the title '" + title + "': " + shout_error_text(rc);
        spdlog::warn("icecast sink: {}", sentence);
        std::lock_guard<std::mutex> lock(s.mutex);
        s.status.last_error = sentence;
      }
    }

    ssize_t backlog = shout_queuelen(sh);
    if (backlog > 0) {
      const int rc = shout_send(sh, nullptr, 0);
      if (rc != SHOUTERR_SUCCESS && rc != SHOUTERR_BUSY && rc != SHOUTERR_RETRY) return rc;
      backlog = shout_queuelen(sh);
    }
    const auto now = SteadyClock::now();
    if (backlog <= 0 || backlog < last_backlog) last_progress = now;
    last_backlog = std::max<ssize_t>(backlog, 0);
    if (backlog > 0 && now - last_progress > kStallTimeout) return kTimedOut;

    {
      std::unique_lock<std::mutex> lock(s.mutex);
      if (backlog < kMaxShoutBacklog)
        s.pop(chunk, kChunkBytes);
      else
        chunk.clear();
      if (chunk.empty()) {
        if (backlog > 0)
          s.cv.wait_for(lock, kPollInterval, [&] { return s.stop; });
        else
          s.cv.wait_for(lock, kIdleWait, [&] { return s.stop || s.size > 0 || s.title_pending; });
        continue;
      }
    }
    const int rc = shout_send(sh, chunk.data(), chunk.size());
    if (rc != SHOUTERR_SUCCESS && rc != SHOUTERR_BUSY && rc != SHOUTERR_RETRY) return rc;
    sent += chunk.size();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.status.bytes_written += chunk.size();
  }
}

void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

double backoff_seconds(const SinkOptions& o, int failures) {
  const double d = o.backoff_initial_seconds * std::pow(2.0, std::max(0, failures - 1));
  return std::min(d, o.backoff_max_seconds);
}

/// Records a failed or lost connection and when to try again.
void schedule_retry(IcecastSink::Shared& s, SinkState state, const std::string& sentence, double delay_s) {
  std::lock_guard<std::mutex> lock(s.mutex);
  const bool repeated = s.status.last_error == sentence && s.status.state != SinkState::connected;
  s.connected = false;
  s.clear_queue();
  s.status.state = state;
  s.status.last_error = sentence;
  ++s.status.errors;
  s.next_attempt =
      SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(delay_s));
  if (repeated)
    spdlog::debug("icecast sink: {} (retry in {:.1f} s)", sentence, delay_s);
  else
    spdlog::warn("icecast sink: {} (retry in {:.1f} s)", sentence, delay_s);
}

void run(std::shared_ptr<IcecastSink::Shared> shared, IcecastTarget t, Codec codec, SinkOptions o) {
  block_sigpipe();
  IcecastSink::Shared& s = *shared;
  const std::string where = t.host + ":" + std::to_string(t.port);
  int failures = 0;
  bool ever_connected = false;
  shout_t* sh = take_handle();
  for (;;) {
    StreamInfo info;
    {
      std::unique_lock<std::mutex> lock(s.mutex);
      s.cv.wait_until(lock, s.next_attempt, [&] { return s.stop; });
      if (s.stop) break;
      s.status.state = SinkState::connecting;
      ++s.status.connect_attempts;
      info = s.info;
    }
    if (sh == nullptr) sh = take_handle();
    if (sh == nullptr) {
      schedule_retry(s, SinkState::failed, "icecast " + t.display() + ": libshout: out of memory",
                     o.backoff_max_seconds);
      continue;
    }
    std::string setup_error;
    shout_close(sh);
    if (!configure(sh, t, codec, o, info, setup_error)) {
      ++failures;
      schedule_retry(s, SinkState::failed, "icecast " + t.display() + ": " + setup_error, o.backoff_max_seconds);
      continue;
    }
    const int rc = connect(sh, s);
    if (rc == kStopped) break;
    if (rc != SHOUTERR_CONNECTED) {
      shout_close(sh);
      if (rc == SHOUTERR_NOLOGIN) {
        schedule_retry(s, SinkState::auth_failed,
                       "icecast " + where + " refused source login for " + t.mount + " as '" + t.user +
                           "': wrong password or mount in use?",
                       o.auth_retry_seconds);
      } else {
        ++failures;
        const std::string why = rc == SHOUTERR_NOCONNECT || rc == SHOUTERR_SOCKET
                                    ? "not reachable (connection refused, reset or no route)"
                                : rc == kTimedOut ? "no answer within 10 s"
                                                  : shout_error_text(rc);
        schedule_retry(s, SinkState::backoff, "cannot connect to icecast " + where + " for " + t.mount + ": " + why,
                       backoff_seconds(o, failures));
      }
      continue;
    }

    failures = 0;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.connected = true;
      s.clear_queue();
      s.status.state = SinkState::connected;
      if (ever_connected) ++s.status.reconnects;
      // In the middle of a stream: listeners need a fresh one (headers first).
      if (s.stream_bytes > 0) {
        s.awaiting_fresh = true;
        s.want_new = true;
      }
      if (codec == Codec::mp3 && !s.title.empty()) s.title_pending = true;
    }
    spdlog::info("icecast sink: connected to {}{}", t.display(), ever_connected ? " again" : "");
    ever_connected = true;

    const int end = pump(sh, s, codec, where);
    shout_close(sh);
    if (end == kStopped) break;
    failures = 1;
    schedule_retry(s, SinkState::backoff,
                   "icecast " + where + " dropped the source connection for " + t.mount + ": " + shout_error_text(end),
                   backoff_seconds(o, failures));
  }
  give_handle(sh);
  std::lock_guard<std::mutex> lock(s.mutex);
  s.connected = false;
  s.status.state = SinkState::closed;
  s.exited = true;
  s.cv.notify_all();
}

}  // namespace

std::string IcecastTarget::display() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "icecast://" + user + "@" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + mount;
}

const char* IcecastSink::mime_type(Codec codec) {
  switch (codec) {
    case Codec::mp3: return "audio/mpeg";
    case Codec::flac: return "audio/flac";
    case Codec::opus: break;
  }
  return "audio/ogg";
}

IcecastSink::IcecastSink(IcecastTarget target, Codec codec, SinkOptions options)
    : target_(std::move(target)), codec_(codec), options_(std::move(options)), shared_(std::make_shared<Shared>()) {
  shared_->ring.resize(std::max<std::size_t>(options_.queue_bytes, 1));
  shared_->status.target = target_.display();
}

IcecastSink::~IcecastSink() {
  if (!thread_.joinable()) return;
  bool exited = false;
  {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    shared_->stop = true;
    shared_->cv.notify_all();
    exited = shared_->cv.wait_for(lock, kStopWait, [&] { return shared_->exited; });
  }
  if (exited) {
    thread_.join();
  } else {
    spdlog::warn("icecast sink: {} did not stop within 2 s; leaving its thread to finish", target_.display());
    thread_.detach();
  }
}

caf::expected<void> IcecastSink::begin_stream(const StreamInfo& info) {
  if (codec_ == Codec::flac) {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->status.state = SinkState::failed;
    shared_->status.last_error = "icecast sinks take opus or mp3; write flac to a file";
    return make_error(errc::unsupported_format, shared_->status.last_error);
  }
  pos_ = 0;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stream_bytes = 0;
    shared_->awaiting_fresh = false;
    shared_->want_new = false;
    shared_->info = info;
    if (!info.title.empty() && info.title != shared_->title) {
      shared_->title = info.title;
      if (codec_ == Codec::mp3) shared_->title_pending = true;
    }
    ++shared_->status.streams;
  }
  if (!thread_.joinable()) {
    init_libshout_once();
    thread_ = std::thread(run, shared_, target_, codec_, options_);
  }
  return caf::unit;
}

void IcecastSink::end_stream() {}

bool IcecastSink::wants_new_stream() {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->want_new;
}

void IcecastSink::set_title(const std::string& title) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (title == shared_->title) return;
  shared_->title = title;
  if (codec_ == Codec::mp3) {
    shared_->title_pending = true;
    shared_->cv.notify_all();
  } else if (thread_.joinable()) {
    shared_->want_new = true;
  }
}

bool IcecastSink::write(const std::uint8_t* data, std::size_t n) {
  pos_ += n;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  Shared& s = *shared_;
  s.stream_bytes += n;
  if (!s.connected || s.awaiting_fresh) {
    s.status.bytes_dropped += n;
    return true;
  }
  if (s.size + n > s.ring.size()) {
    s.status.bytes_dropped += n;
    s.awaiting_fresh = true;
    s.want_new = true;
    s.status.last_error = "icecast " + target_.host + ":" + std::to_string(target_.port) + " takes bytes for " +
                          target_.mount + " slower than they come: queue of " + std::to_string(s.ring.size()) +
                          " bytes full, restarting the stream";
    return true;
  }
  const bool was_empty = s.size == 0;
  s.push(data, n);
  if (was_empty) s.cv.notify_all();
  return true;
}

SinkStatus IcecastSink::status() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  SinkStatus st = shared_->status;
  if (st.state == SinkState::backoff || st.state == SinkState::auth_failed || st.state == SinkState::failed) {
    const auto left = shared_->next_attempt - SteadyClock::now();
    st.retry_in_seconds = std::max(0.0, std::chrono::duration<double>(left).count());
  } else {
    st.retry_in_seconds = 0;
  }
  return st;
}

}  // namespace crowdmesh::encoder

#pragma once
#include <sys/types.h>

#include <string>

namespace crowdmesh::test {

/// A private JACK server on the dummy driver (a clocked device without sound
/// hardware) for tests: `jackd --no-realtime -n <unique> -d dummy -r RATE -p PERIOD`
/// (or -R when realtime). start() also points this process and its children
/// at it (JACK_DEFAULT_SERVER, JACK_NO_START_SERVER, JACK_NO_AUDIO_RESERVATION),
/// so PortAudio's JACK host API sees it as device "system".
class JackServer {
 public:
  JackServer() = default;
  JackServer(const JackServer&) = delete;
  JackServer& operator=(const JackServer&) = delete;
  /// Stops the server if running.
  ~JackServer();

  /// True when the jackd program is on PATH (Debian package jackd2).
  static bool installed();
  /// True when this process may give a thread SCHED_FIFO priority (root,
  /// CAP_SYS_NICE or RLIMIT_RTPRIO ≥ 10): jackd -R and its clients then run
  /// as a Pi set up by docs/RASPBERRY_PI.md does. Probed on a throw-away thread.
  static bool realtime_allowed();

  /// Starts the server and waits (≤ 15 s, polling jack_lsp) until it answers.
  /// Returns an empty string on success, else the reason.
  std::string start(int sample_rate_hz, int period_frames, bool realtime);
  /// SIGTERM, then SIGKILL after 5 s; idempotent.
  void stop();

  /// The unique server name.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  pid_t pid_ = -1;
};

/// The absolute path of `program` on PATH, or empty.
std::string find_program(const std::string& program);

}  // namespace crowdmesh::test

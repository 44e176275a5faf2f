#include "control_node/command_runner.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include <sys/ioctl.h>
#include <unistd.h>

#include "common/error.hpp"
#include "control_node/credentials.hpp"
#include "control_node/link_check.hpp"
#include "control_node/reply_printer.hpp"
#include "control_node/top_view.hpp"

namespace crowdmesh::control {
namespace {

int exit_status_of(const caf::error& error) {
  switch (error_code(error)) {
    case errc::timeout: return kExitTimeout;
    case errc::value_out_of_range:
    case errc::unknown_deck: return kExitUsage;
    default: return kExitErrorReply;
  }
}

/// Worst of two statuses: timeout > error reply > ok.
int worst(int a, int b) {
  auto rank = [](int status) { return status == kExitTimeout ? 3 : status == kExitOk ? 0 : 1; };
  return rank(a) >= rank(b) ? a : b;
}

int terminal_width() {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col >= 40) return w.ws_col;
  return 100;
}

}  // namespace

CommandRunner::CommandRunner(mesh::MeshClient& client, std::ostream& out, std::ostream& err)
    : client_{client}, out_{out}, err_{err} {}

std::int64_t CommandRunner::execute_at_after(std::int64_t node_send_time_ns, std::int64_t round_trip_ns,
                                             double seconds) {
  return node_send_time_ns + std::max<std::int64_t>(round_trip_ns, 0) / 2 +
         static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

int CommandRunner::fail(const caf::error& error) {
  err_ << "control_node: " << error_sentence(error) << "\n";
  return exit_status_of(error);
}

int CommandRunner::run(Request request, const std::atomic<bool>& stop) {
  if (request.kind == Request::Kind::message) {
    out_ << request.text;
    return kExitOk;
  }
  if (request.kind == Request::Kind::sections) return run_sections(request.sections, out_, err_, stop);
  if (request.kind == Request::Kind::keygen) {
    auto text = run_keygen(request);
    if (!text) return fail(text.error());
    out_ << *text;
    return kExitOk;
  }
  auto credentials = resolve_credentials(
      request, request.kind == Request::Kind::watch ? request.events_endpoint : request.connect_endpoint);
  if (!credentials) return fail(credentials.error());
  if (*credentials) {
    if (auto ok = client_.use_curve((*credentials)->own, (*credentials)->server_key); !ok) return fail(ok.error());
  }
  if (request.kind == Request::Kind::watch) return run_watch(request, stop);
  if (auto connected = client_.connect(request.connect_endpoint); !connected) return fail(connected.error());
  if (request.start_in_seconds) {
    if (auto resolved = resolve_start_in(request); !resolved) return fail(resolved.error());
  }
  if (request.kind == Request::Kind::top) return run_top(request, stop);
  if (request.kind == Request::Kind::doctor) return run_doctor(request);
  return request.broadcast() ? run_broadcast(request) : run_single(request);
}

int CommandRunner::run_top(Request& request, const std::atomic<bool>& stop) {
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  std::uint64_t poll = 0;
  for (;;) {
    request.envelope.set_correlation_id(request.envelope.correlation_id() + 1);
    if (request.envelope.correlation_id() == 0) request.envelope.set_correlation_id(1);
    const auto asked = std::chrono::steady_clock::now();
    auto reply = client_.request(request.envelope, request.timeout);
    const bool ok = reply && ReplyPrinter::is_ok(*reply) && reply->reply().ok().has_telemetry();
    if (request.top_once) {
      if (!reply) return fail(reply.error());
      if (!ok) return print_reply(*reply, request.json, false);
      const auto& snap = reply->reply().ok().telemetry();
      if (request.json)
        out_ << top_json(snap).dump(2) << "\n";
      else
        out_ << render_top(snap, TopStyle{terminal_width(), tty, request.connect_endpoint});
      return kExitOk;
    }
    std::string screen;
    if (ok) {
      screen = request.json ? top_json(reply->reply().ok().telemetry()).dump() + "\n"
                            : render_top(reply->reply().ok().telemetry(),
                                         TopStyle{terminal_width(), tty, request.connect_endpoint});
    } else {
      const std::string why = !reply ? error_sentence(reply.error()) : ReplyPrinter::error_text(*reply);
      screen = "control_node top: no telemetry from " + request.connect_endpoint + ": " + why + " (retrying)\n";
    }
    if (!request.json && tty) out_ << "\x1b[H\x1b[2J";
    out_ << screen << std::flush;
    ++poll;
    while (!stop.load() && std::chrono::steady_clock::now() - asked < request.top_interval)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (stop.load()) return kExitOk;
  }
}

int CommandRunner::run_doctor(Request& request) {
  auto reply = client_.request(request.envelope, request.timeout);
  if (!reply) return fail(reply.error());
  if (!ReplyPrinter::is_ok(*reply) || !reply->reply().ok().has_doctor())
    return print_reply(*reply, request.json, false);
  const auto& report = reply->reply().ok().doctor();
  nlohmann::json links = nlohmann::json::array();
  std::vector<std::string> findings;
  if (request.doctor_probes > 0) {
    auto nodes = client_.request(probe_for(request, "", 3), request.timeout > std::chrono::milliseconds(2000)
                                                                ? std::chrono::milliseconds(2000)
                                                                : request.timeout);
    if (nodes && ReplyPrinter::is_ok(*nodes) && nodes->reply().ok().has_nodes()) {
      std::uint64_t offset = 10;
      for (const auto& n : nodes->reply().ok().nodes().nodes()) {
        if (!n.alive()) {
          findings.push_back("Node " + n.name() + " is not alive: its link was not checked.");
          links.push_back({{"node", n.name()}, {"alive", false}});
          continue;
        }
        const LinkCheck c = check_link(
            client_, [&](std::uint64_t k) { return probe_for(request, n.name(), offset + k); }, request.doctor_probes,
            std::chrono::milliseconds(500));
        offset += static_cast<std::uint64_t>(request.doctor_probes) + 1;
        links.push_back(to_json(n.name(), c));
        for (auto& f : link_findings(n.name(), c)) findings.push_back(std::move(f));
      }
    } else {
      findings.push_back("The node list could not be read, so no link was checked.");
    }
  }
  if (request.json) {
    nlohmann::json j = nlohmann::json::parse(report.json(), nullptr, false);
    if (j.is_discarded()) j = nlohmann::json::object();
    j["node_findings"] = report.findings();
    j["links"] = links;
    j["link_findings"] = findings;
    j["node"] = reply->source();
    out_ << j.dump(2) << "\n";
  } else {
    out_ << "doctor: " << reply->source() << "\n" << report.text();
    if (request.doctor_probes > 0) {
      out_ << "Links (" << request.doctor_probes << " round trips each, through " << request.connect_endpoint << "):\n";
      for (const auto& l : links) out_ << "  " << format_link(l) << "\n";
      for (const auto& f : findings) out_ << "  - " << f << "\n";
    }
  }
  return kExitOk;
}

int CommandRunner::run_watch(const Request& request, const std::atomic<bool>& stop) {
  std::uint64_t printed = 0;
  int status = kExitOk;
  auto handled = client_.subscribe(
      request.events_endpoint, request.topic_prefix,
      [&](const std::string&, const v1::Envelope& envelope) {
        auto line = ReplyPrinter::json(envelope);
        if (!line) {
          status = fail(line.error());
          return false;
        }
        out_ << *line << "\n" << std::flush;
        ++printed;
        return request.watch_count == 0 || printed < request.watch_count;
      },
      stop);
  if (!handled) return fail(handled.error());
  return status;
}

v1::Envelope CommandRunner::probe_for(const Request& request, const std::string& node, std::uint64_t offset) const {
  v1::Envelope probe;
  probe.set_protocol_version(1);
  probe.set_source(request.envelope.source());
  probe.set_target(node + "/gateway");
  std::uint64_t id = request.envelope.correlation_id() + offset;
  if (id == 0) id = offset;  // wrapped around: never send the "no reply" id
  probe.set_correlation_id(id);
  probe.mutable_command()->mutable_get_nodes();
  return probe;
}

caf::expected<void> CommandRunner::resolve_start_in(Request& request) {
  const std::string node = request.broadcast() ? "" : request.target_node;
  const std::int64_t sent_ns = mesh::MeshClient::monotonic_now_ns();
  auto reply = client_.request(probe_for(request, node, 1), request.timeout);
  if (!reply) return reply.error();
  const std::int64_t round_trip_ns = mesh::MeshClient::monotonic_now_ns() - sent_ns;
  if (!ReplyPrinter::is_ok(*reply) || reply->send_time_ns() <= 0) {
    std::string why = ReplyPrinter::error_text(*reply);
    if (!why.empty() && why.back() == '\n') why.pop_back();
    return make_error(errc::internal, "cannot learn the mesh time for --in: " + why);
  }
  request.envelope.set_execute_at_ns(execute_at_after(reply->send_time_ns(), round_trip_ns, *request.start_in_seconds));
  return caf::unit;
}

int CommandRunner::print_reply(const v1::Envelope& reply, bool json, bool with_node) {
  const bool ok = ReplyPrinter::is_ok(reply);
  if (json) {
    auto line = !reply.has_reply() ? ReplyPrinter::json(reply)
                : with_node        ? ReplyPrinter::json_with_node(reply)
                                   : ReplyPrinter::json(reply.reply());
    if (!line) return fail(line.error());
    out_ << *line << "\n";
  } else if (ok) {
    out_ << ReplyPrinter::text(reply);
  }
  if (ok) return kExitOk;
  err_ << ReplyPrinter::error_text(reply);
  const bool timed_out =
      reply.has_reply() && reply.reply().has_error() && reply.reply().error().code() == v1::ERROR_CODE_TIMEOUT;
  return timed_out ? kExitTimeout : kExitErrorReply;
}

int CommandRunner::run_single(Request& request) {
  auto reply = client_.request(request.envelope, request.timeout);
  if (!reply) return fail(reply.error());
  return print_reply(*reply, request.json, false);
}

int CommandRunner::run_broadcast(Request& request) {
  // The gateway answers '*' with exactly one reply per known node (a dead node's
  // reply is an immediate "not alive" error), so wait for every known node.
  std::size_t known = 0;
  if (auto nodes = client_.request(probe_for(request, "", 2), request.timeout);
      nodes && ReplyPrinter::is_ok(*nodes) && nodes->reply().ok().has_nodes()) {
    known = static_cast<std::size_t>(nodes->reply().ok().nodes().nodes_size());
  }
  auto replies = client_.request_all(request.envelope, known, request.timeout);
  if (!replies) return fail(replies.error());
  int status = kExitOk;
  for (const auto& reply : *replies) status = worst(status, print_reply(reply, request.json, true));
  if (known > 0 && replies->size() < known) {
    err_ << "control_node: only " << replies->size() << " of " << known << " nodes replied within "
         << request.timeout.count() << " ms\n";
    status = worst(status, kExitTimeout);
  }
  return status;
}

}  // namespace crowdmesh::control

#include "netaudio/sdp.hpp"

#include <cstdio>
#include <sstream>

#include "common/error.hpp"

namespace crowdmesh::netaudio {

namespace {

// Parses a dotted IPv4 address; false if it is not one.
bool parse_ipv4(const std::string& a, unsigned (&octets)[4]) {
  int used = 0;
  char tail = 0;
  if (std::sscanf(a.c_str(), "%3u.%3u.%3u.%3u%n%c", &octets[0], &octets[1], &octets[2], &octets[3], &used, &tail) < 4 ||
      static_cast<std::size_t>(used) != a.size())
    return false;
  for (unsigned o : octets)
    if (o > 255) return false;
  return a.find_first_not_of("0123456789.") == std::string::npos;
}

caf::error bad(const std::string& field, const std::string& value, const std::string& range) {
  return make_error(errc::value_out_of_range, "SDP " + field + " '" + value + "' is out of range (" + range + ")");
}

}  // namespace

bool is_ipv4_multicast(const std::string& address) {
  unsigned o[4];
  return parse_ipv4(address, o) && o[0] >= 224 && o[0] <= 239;
}

caf::expected<std::string> make_sdp(const SdpStream& s) {
  unsigned o[4];
  if (!parse_ipv4(s.address, o)) return bad("address", s.address, "a dotted IPv4 address");
  if (!parse_ipv4(s.origin_address, o)) return bad("origin address", s.origin_address, "a dotted IPv4 address");
  if (s.port == 0) return bad("port", "0", "1..65535");
  if (s.ttl < 0 || s.ttl > 255) return bad("ttl", std::to_string(s.ttl), "0..255");
  if (s.format.payload_type > 127) return bad("payload type", std::to_string(s.format.payload_type), "0..127");
  if (s.format.channels == 0) return bad("channels", "0", "1 or more");
  if (s.format.sample_rate_hz == 0) return bad("sample rate", "0", "1 Hz or more");
  if (s.format.encoding == PcmEncoding::opus && s.format.sample_rate_hz != 48000)
    return make_error(errc::unsupported_format, "SDP: an Opus stream runs at 48000 Hz (RFC 7587); this stream is at " +
                                                    std::to_string(s.format.sample_rate_hz) + " Hz");
  if (!(s.ptime_ms > 0.0)) return bad("ptime", std::to_string(s.ptime_ms), "above 0 ms");
  if (s.session_name.find_first_of("\r\n") != std::string::npos)
    return bad("session name", s.session_name, "one line of text");
  const bool fec = s.format.repair_payload_type >= 0 && s.repair_port != 0;
  if (fec && s.format.repair_payload_type > 127)
    return bad("repair payload type", std::to_string(s.format.repair_payload_type), "0..127");

  char ptime[32];
  std::snprintf(ptime, sizeof ptime, "%g", s.ptime_ms);
  std::ostringstream out;
  const char* eol = "\r\n";
  out << "v=0" << eol;
  out << "o=- " << s.session_id << ' ' << s.session_version << " IN IP4 " << s.origin_address << eol;
  out << "s=" << (s.session_name.empty() ? std::string("-") : s.session_name) << eol;
  out << "c=IN IP4 " << s.address;
  if (is_ipv4_multicast(s.address)) out << '/' << s.ttl;
  out << eol;
  out << "t=0 0" << eol;
  const unsigned pt = s.format.payload_type;
  out << "m=audio " << s.port << " RTP/AVP " << pt << eol;
  if (s.format.encoding == PcmEncoding::opus) {
    out << "a=rtpmap:" << pt << " opus/48000/2" << eol;  // RFC 7587 §7: always 2 channels here
    if (s.format.channels == 2) out << "a=fmtp:" << pt << " stereo=1; sprop-stereo=1" << eol;
  } else {
    out << "a=rtpmap:" << pt << ' ' << encoding_name(s.format.encoding) << '/' << s.format.sample_rate_hz << '/'
        << s.format.channels << eol;
  }
  out << "a=ptime:" << ptime << eol;
  if (fec) {
    const int rpt = s.format.repair_payload_type;
    out << "m=application " << s.repair_port << " RTP/AVP " << rpt << eol;
    out << "a=rtpmap:" << rpt << " x-crowdmesh-rs/" << s.format.sample_rate_hz << eol;
    out << "a=fmtp:" << rpt << " k=" << s.fec.source_packets << ";m=" << s.fec.repair_packets << eol;
  }
  return out.str();
}

}  // namespace crowdmesh::netaudio

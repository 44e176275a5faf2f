#pragma once
#include <cstdint>
#include <string>

#include "caf/expected.hpp"
#include "netaudio/fec_config.hpp"
#include "netaudio/rtp_packet.hpp"

namespace crowdmesh::netaudio {

/// What an SDP description (RFC 4566) of one Crowdmesh audio stream says.
struct SdpStream {
  std::string session_name = "Crowdmesh";  ///< s=; printable text without line breaks
  std::string origin_address = "0.0.0.0";  ///< o= address of the sender (IPv4)
  std::uint64_t session_id = 0;            ///< o= sess-id (e.g. the sender's epoch)
  std::uint64_t session_version = 0;       ///< o= sess-version
  std::string address;                     ///< c= destination, IPv4: unicast, or multicast 224.0.0.0/4
  int ttl = 16;                            ///< c= /ttl for a multicast address, 0..255
  std::uint16_t port = 0;                  ///< m= port of the source packets, 1..65535
  RtpStreamFormat format;                  ///< payload type, L16/L24/Opus, channels, rate
  double ptime_ms = 2.0;                   ///< a=ptime: milliseconds of audio per packet, > 0
  std::uint16_t repair_port = 0;           ///< port of the repair stream; 0 (or no repair PT): FEC not described
  FecConfig fec;                           ///< K and M, described with the repair stream
};

/// The SDP text (RFC 4566, lines ending in CRLF) of `s`:
///
///     v=0
///     o=- <session_id> <session_version> IN IP4 <origin_address>
///     s=<session_name>
///     c=IN IP4 <address>[/<ttl> when multicast]   (RFC 4566 §5.7)
///     t=0 0
///     m=audio <port> RTP/AVP <pt>
///     a=rtpmap:<pt> L24/<rate>/<channels>         (L16 likewise; RFC 3551 §4.5.11, RFC 3190 §4)
///     a=ptime:<ptime_ms>
///
/// which ffmpeg, VLC and GStreamer play as they are. For Opus (RFC 7587 §7)
/// the rtpmap is always `opus/48000/2`, even for mono, and a stereo stream
/// says so in an fmtp line:
///
///     a=rtpmap:<pt> opus/48000/2
///     a=fmtp:<pt> stereo=1; sprop-stereo=1       (stereo only)
///     a=ptime:<ptime_ms>                          (e.g. 10)
/// With FEC (a repair
/// payload type and repair_port set) a second media line describes the
/// repair stream for Crowdmesh receivers:
///
///     m=application <repair_port> RTP/AVP <repair pt>
///     a=rtpmap:<repair pt> x-crowdmesh-rs/<rate>
///     a=fmtp:<repair pt> k=<K>;m=<M>
///
/// Errors: errc::value_out_of_range naming the field (address not a dotted
/// IPv4 address, port 0, ttl outside 0..255, payload type above 127, channels
/// 0, rate 0, ptime not positive, a name with a line break);
/// errc::unsupported_format naming the rate for Opus at another rate than 48000 Hz.
/// Thread-safe (pure); allocates: not for real-time threads.
caf::expected<std::string> make_sdp(const SdpStream& s);

/// True when `address` is a dotted IPv4 address in 224.0.0.0/4 (RFC 5771).
bool is_ipv4_multicast(const std::string& address);

}  // namespace crowdmesh::netaudio

#include "common/errc.hpp"

namespace crowdmesh {

std::string to_string(errc code) {
  switch (code) {
    case errc::file_not_found: return "file_not_found";
    case errc::unreadable_file: return "unreadable_file";
    case errc::unsupported_format: return "unsupported_format";
    case errc::unsupported_channels: return "unsupported_channels";
    case errc::unknown_deck: return "unknown_deck";
    case errc::unknown_buffer: return "unknown_buffer";
    case errc::value_out_of_range: return "value_out_of_range";
    case errc::not_ready: return "not_ready";
    case errc::device_not_found: return "device_not_found";
    case errc::device_error: return "device_error";
    case errc::timeout: return "timeout";
    case errc::io_error: return "io_error";
    case errc::internal: return "internal";
    case errc::not_allowed: return "not_allowed";
  }
  return "unknown_error";
}

}  // namespace crowdmesh

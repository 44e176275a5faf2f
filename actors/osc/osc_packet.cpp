#include "osc/osc_packet.hpp"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

#include <lo/lo.h>

namespace crowdmesh::osc {
namespace {

constexpr char kBundleTag[8] = {'#', 'b', 'u', 'n', 'd', 'l', 'e', '\0'};

// liblo's argument pointers are only 4-byte aligned inside the packet, while
// union lo_arg asks for 8: read the bytes, never the union's members.
template <class T>
T load(const lo_arg* a) {
  T v;
  std::memcpy(&v, reinterpret_cast<const char*>(a), sizeof v);
  return v;
}

OscArg to_arg(char type, const lo_arg* a) {
  OscArg out;
  out.type = type;
  switch (type) {
    case LO_INT32: out.number = load<std::int32_t>(a); break;
    case LO_FLOAT: out.number = load<float>(a); break;
    case LO_DOUBLE: out.number = load<double>(a); break;
    case LO_INT64: out.number = static_cast<double>(load<std::int64_t>(a)); break;
    case LO_STRING:
    case LO_SYMBOL: out.text = reinterpret_cast<const char*>(a); break;
    case LO_TRUE:
      out.type = 'i';
      out.number = 1;
      break;
    case LO_FALSE:
      out.type = 'i';
      out.number = 0;
      break;
    default: break;  // kept with its tag; map_osc rejects it
  }
  return out;
}

std::uint32_t read_be32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

void decode(const char* data, std::size_t size, const std::function<void(OscElement&&)>& each, int depth) {
  if (size >= 16 && std::memcmp(data, kBundleTag, sizeof(kBundleTag)) == 0) {
    if (depth >= kMaxBundleDepth) {
      each(OscElement{"#bundle", {}, "OSC bundles nested deeper than 8 levels"});
      return;
    }
    std::size_t pos = 16;  // tag + time tag (ignored: elements apply now)
    while (pos < size) {
      const std::uint32_t element = pos + 4 <= size ? read_be32(data + pos) : 0;
      if (pos + 4 > size || element == 0 || element % 4 != 0 || element > size - pos - 4) {
        each(OscElement{
            "#bundle", {}, "malformed OSC bundle: element at byte " + std::to_string(pos) + " overruns the packet"});
        return;
      }
      decode(data + pos + 4, element, each, depth + 1);
      pos += 4 + element;
    }
    return;
  }

  // liblo takes non-const pointers but only reads (it copies the message).
  void* bytes = const_cast<char*>(data);
  const char* path = lo_get_path(bytes, static_cast<ssize_t>(size));
  OscElement out;
  out.address = path != nullptr ? std::string(path) : std::string();
  int result = 0;
  lo_message m = lo_message_deserialise(bytes, size, &result);
  if (m == nullptr) {
    out.error = "malformed OSC packet (" + std::to_string(size) + " bytes, liblo error " + std::to_string(result) + ")";
    each(std::move(out));
    return;
  }
  const char* types = lo_message_get_types(m);
  lo_arg** argv = lo_message_get_argv(m);
  const int argc = lo_message_get_argc(m);
  out.args.reserve(static_cast<std::size_t>(argc));
  for (int i = 0; i < argc; ++i) out.args.push_back(to_arg(types[i], argv[i]));
  lo_message_free(m);
  each(std::move(out));
}

}  // namespace

void decode_osc_packet(const char* data, std::size_t size, const std::function<void(OscElement&&)>& each) {
  decode(data, size, each, 0);
}

}  // namespace crowdmesh::osc

#include "common/error.hpp"

#include "caf/message.hpp"

namespace crowdmesh {

caf::error make_error(errc code, std::string sentence) { return caf::make_error(code, std::move(sentence)); }

std::string error_sentence(const caf::error& err) {
  if (!err) return "no error";
  if (err.category() == caf::atom("crowdmesh")) {
    const auto& ctx = err.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0)) return ctx.get_as<std::string>(0);
    return to_string(static_cast<errc>(err.code()));
  }
  if (err.category() == caf::atom("system")) {
    auto s = static_cast<caf::sec>(err.code());
    if (s == caf::sec::request_timeout) return "request timed out";
    return caf::to_string(s);
  }
  return caf::to_string(err);
}

errc error_code(const caf::error& err) {
  if (err.category() == caf::atom("crowdmesh")) return static_cast<errc>(err.code());
  if (err.category() == caf::atom("system") && static_cast<caf::sec>(err.code()) == caf::sec::request_timeout)
    return errc::timeout;
  return errc::internal;
}

std::string render_error(uint8_t code, caf::atom_value, const caf::message& context) {
  std::string out = "crowdmesh::" + to_string(static_cast<errc>(code));
  if (context.size() == 1 && context.match_element<std::string>(0)) out += ": " + context.get_as<std::string>(0);
  return out;
}

}  // namespace crowdmesh

#include "telemetry/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <set>

namespace crowdmesh::telemetry {
namespace {

bool is_name_start(char c, bool colon_ok) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}

bool is_name_char(char c, bool colon_ok) noexcept { return is_name_start(c, colon_ok) || (c >= '0' && c <= '9'); }

bool valid_name(const std::string& name, bool colon_ok) noexcept {
  if (name.empty() || !is_name_start(name[0], colon_ok)) return false;
  for (char c : name)
    if (!is_name_char(c, colon_ok)) return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void append_help(std::string& out, const std::string& help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_label_value(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
    out.append(buf, res.ptr);
  }
}

const char* type_name(MetricType t) { return t == MetricType::counter ? "counter" : "gauge"; }

// Empty when the sample can be written, else why not.
std::string sample_problem(const MetricFamily& family, const MetricSample& sample) {
  std::set<std::string> seen;
  for (const auto& [name, value] : sample.labels) {
    if (!is_valid_label_name(name))
      return "metric " + family.name + ": sample skipped: invalid label name \"" + name +
             "\" (allowed: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)";
    if (!seen.insert(name).second)
      return "metric " + family.name + ": sample skipped: label \"" + name + "\" given twice";
  }
  if (family.type == MetricType::counter && sample.value < 0.0) {
    std::string v;
    append_value(v, sample.value);
    return "metric " + family.name + ": sample skipped: counter value " + v + " is negative";
  }
  return {};
}

}  // namespace

bool is_valid_metric_name(const std::string& name) noexcept { return valid_name(name, true); }

bool is_valid_label_name(const std::string& name) noexcept {
  return valid_name(name, false) && name.compare(0, 2, "__") != 0;
}

std::string render_prometheus_text(const std::vector<MetricFamily>& families, std::vector<std::string>* problems) {
  auto report = [&](std::string sentence) {
    if (problems != nullptr) problems->push_back(std::move(sentence));
  };
  std::string out;
  std::set<std::string> rendered;
  for (const MetricFamily& f : families) {
    if (!is_valid_metric_name(f.name)) {
      report("metric \"" + f.name + "\" skipped: invalid name (allowed: [a-zA-Z_:][a-zA-Z0-9_:]*)");
      continue;
    }
    if (f.type == MetricType::counter && !ends_with(f.name, "_total")) {
      report("metric " + f.name + " skipped: a counter's name must end in _total");
      continue;
    }
    if (!rendered.insert(f.name).second) {
      report("metric " + f.name + " skipped: the name was already rendered earlier");
      continue;
    }
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_help(out, f.help);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const MetricSample& s : f.samples) {
      if (std::string why = sample_problem(f, s); !why.empty()) {
        report(std::move(why));
        continue;
      }
      out += f.name;
      if (!s.labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [name, value] : s.labels) {
          if (!first) out += ',';
          first = false;
          out += name;
          out += "=\"";
          append_label_value(out, value);
          out += '"';
        }
        out += '}';
      }
      out += ' ';
      append_value(out, s.value);
      out += '\n';
    }
  }
  return out;
}

MetricsBuilder& MetricsBuilder::counter(const std::string& name, const std::string& help) {
  return select(name, help, MetricType::counter);
}

MetricsBuilder& MetricsBuilder::gauge(const std::string& name, const std::string& help) {
  return select(name, help, MetricType::gauge);
}

MetricsBuilder& MetricsBuilder::select(const std::string& name, const std::string& help, MetricType type) {
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name == name && families_[i].type == type) {
      current_ = i + 1;
      return *this;
    }
  }
  families_.push_back(MetricFamily{name, help, type, {}});
  current_ = families_.size();
  return *this;
}

MetricsBuilder& MetricsBuilder::add(MetricLabels labels, double value) {
  if (current_ != 0) families_[current_ - 1].samples.push_back(MetricSample{std::move(labels), value});
  return *this;
}

std::string MetricsBuilder::render(std::vector<std::string>* problems) const {
  return render_prometheus_text(families_, problems);
}

}  // namespace crowdmesh::telemetry

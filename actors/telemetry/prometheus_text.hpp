#pragma once
#include <string>
#include <utility>
#include <vector>

namespace crowdmesh::telemetry {

/// Prometheus metric type (only the two Crowdmesh publishes).
enum class MetricType {
  counter,  ///< monotonically increasing since process start; name must end in `_total`
  gauge,    ///< a value that can go up and down
};

/// Label pairs of one sample, in output order: {name, value}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

/// One line of a family: its labels and value (NaN and ±inf allowed).
struct MetricSample {
  MetricLabels labels;
  double value = 0.0;
};

/// One metric family: `# HELP`, `# TYPE` and its samples. Units belong in the
/// name (`_seconds`, `_bytes`); counters end in `_total`
/// (https://prometheus.io/docs/practices/naming/).
struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::gauge;
  std::vector<MetricSample> samples;
};

/// True for a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*` (Prometheus data model).
bool is_valid_metric_name(const std::string& name) noexcept;

/// True for a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the
/// reserved `__` (Prometheus data model).
bool is_valid_label_name(const std::string& name) noexcept;

/// Renders families in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): per family
/// `# HELP name text` (`\` and newline escaped), `# TYPE name counter|gauge`,
/// then `name{label="value",...} value` lines. Label values escape `\`, `"`
/// and newline; values are the shortest text that reads back to the same
/// double, NaN as `NaN`, infinities as `+Inf` / `-Inf`.
///
/// Nothing invalid is written; what is left out is described, one sentence
/// each, in `*problems` when it is not null:
///  - a family with an invalid name, a counter whose name does not end in
///    `_total`, or a name already rendered earlier in the list (whole family
///    skipped);
///  - a sample with an invalid or duplicate label name, or a counter sample
///    with a negative value (that sample skipped).
/// A family left without samples still gets its HELP and TYPE lines.
/// Thread contract: pure function, thread-safe.
std::string render_prometheus_text(const std::vector<MetricFamily>& families,
                                   std::vector<std::string>* problems = nullptr);

/// Collects families for render_prometheus_text():
/// `b.counter("crowdmesh_device_xruns_total", "Device xruns.").add({{"node", "room-a"}}, 3);`
/// Thread contract: not thread-safe; one owner.
class MetricsBuilder {
 public:
  /// Selects the counter family `name`, creating it (with `help`) when new.
  /// Later add() calls go to it.
  MetricsBuilder& counter(const std::string& name, const std::string& help);
  /// Selects the gauge family `name`, creating it (with `help`) when new.
  MetricsBuilder& gauge(const std::string& name, const std::string& help);
  /// Adds one sample to the selected family; ignored before any counter()/gauge().
  MetricsBuilder& add(MetricLabels labels, double value);
  /// Adds one sample without labels to the selected family.
  MetricsBuilder& add(double value) { return add({}, value); }
  /// The families so far, in creation order.
  const std::vector<MetricFamily>& families() const noexcept { return families_; }
  /// render_prometheus_text(families(), problems).
  std::string render(std::vector<std::string>* problems = nullptr) const;

 private:
  MetricsBuilder& select(const std::string& name, const std::string& help, MetricType type);
  std::vector<MetricFamily> families_;
  std::size_t current_ = 0;  ///< index + 1 of the selected family; 0 = none
};

}  // namespace crowdmesh::telemetry

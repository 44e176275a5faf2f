#include "truth_time.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace crowdmesh::test {

std::optional<double> truth_time_ns(const std::string& path, std::int64_t frame) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  struct Point {
    std::int64_t frame;
    std::int64_t raw_ns;
  };
  std::vector<Point> points;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Point p{};
    if (words >> p.frame >> p.raw_ns) points.push_back(p);
  }
  // The last entry at or before `frame` (a resynchronised clock logs the end
  // of its old segment and the start of the new one at the same frame: the
  // later entry wins), then the first entry after it.
  std::size_t at = points.size();
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i].frame <= frame) at = i;
  if (at == points.size()) return std::nullopt;
  for (std::size_t j = at + 1; j < points.size(); ++j) {
    if (points[j].frame <= points[at].frame) continue;
    const double slope = static_cast<double>(points[j].raw_ns - points[at].raw_ns) /
                         static_cast<double>(points[j].frame - points[at].frame);
    return static_cast<double>(points[at].raw_ns) + slope * static_cast<double>(frame - points[at].frame);
  }
  return std::nullopt;
}

}  // namespace crowdmesh::test

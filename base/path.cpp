#include "base/path.hpp"

#include <algorithm>
#include <vector>

namespace envlock {

std::string join_path(std::string_view dir, std::string_view name) {
  if (name.starts_with('/')) return std::string(name);
  std::string out(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

namespace {

// Absolute, no trailing '/', no empty, "." or ".." component: what
// normalize_path returns, so it can be returned as it is. Most paths a scan
// builds (a site directory joined with a RECORD row) already are.
bool already_normal(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  std::size_t i = 1;
  while (i <= path.size()) {
    std::size_t j = std::min(path.find('/', i), path.size());
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == "." || part == "..") return false;
    i = j + 1;
  }
  return true;
}

}  // namespace

std::string normalize_path(std::string_view path) {
  if (already_normal(path)) return std::string(path);
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto p : parts) {
    out.push_back('/');
    out.append(p);
  }
  return out.empty() ? "/" : out;
}

std::string parent_path(std::string_view path) {
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos || pos == 0) return "/";
  return std::string(path.substr(0, pos));
}

std::string base_name(std::string_view path) {
  auto pos = path.rfind('/');
  return std::string(pos == std::string_view::npos ? path : path.substr(pos + 1));
}

}  // namespace envlock

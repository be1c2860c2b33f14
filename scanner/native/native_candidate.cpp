#include "scanner/native/native_candidate.hpp"

namespace envlock::scanner {

bool may_be_native(std::string_view path) {
  if (path.find(".dist-info/") != std::string_view::npos ||
      path.find(".egg-info/") != std::string_view::npos ||
      path.find("/__pycache__/") != std::string_view::npos)
    return false;
  std::string_view name = path.substr(path.rfind('/') + 1);  // npos + 1 == 0
  if (name.ends_with(".so") || name.find(".so.") != std::string_view::npos) return true;
  return name.find('.') == std::string_view::npos;
}

}  // namespace envlock::scanner

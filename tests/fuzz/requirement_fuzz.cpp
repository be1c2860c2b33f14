// libFuzzer target for PEP 508 requirements and markers: any bytes must parse
// or be refused with a message naming the input, never crash, hang or recurse
// without bound. Seeds: fixtures/fuzz/requirement/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "resolver/marker.hpp"
#include "resolver/requirement.hpp"

namespace {

envlock::resolver::MarkerEnv sample_env() {
  envlock::resolver::MarkerEnv env;
  env.python_version = "3.11";
  env.python_full_version = "3.11.7";
  env.os_name = "posix";
  env.sys_platform = "linux";
  env.platform_machine = "x86_64";
  env.platform_system = "Linux";
  env.platform_release = "6.1.0-18-amd64";
  env.implementation_name = "cpython";
  env.implementation_version = "3.11.7";
  env.platform_python_implementation = "CPython";
  return env;
}

/// Whether every literal can be printed back: the printer picks one quote
/// kind and writes the value raw, as packaging's str() does.
bool printable(const envlock::resolver::Marker& m) {
  if (m.comparison) {
    for (const auto* v : {&m.comparison->lhs, &m.comparison->rhs}) {
      const std::string& s = v->literal;
      if (s.find('"') != std::string::npos && s.find('\'') != std::string::npos) return false;
      if (s.find_first_of("\\\n\r") != std::string::npos || s.find('\0') != std::string::npos) return false;
    }
    return true;
  }
  for (const auto& t : m.terms) {
    if (!printable(t)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::resolver;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const MarkerEnv env = sample_env();

  const auto req = parse_requirement(text);
  if (req) {
    if (req->marker) {
      (void)evaluate(*req->marker, env, "gpu");
      (void)to_string(*req->marker);
    }
    (void)to_string(*req);
    (void)contains(req->specifier, "1.0");
  } else if (req.error().message.rfind("invalid requirement '" + std::string(text) + "': ", 0) != 0) {
    __builtin_trap();
  }

  const auto marker = parse_marker(text);
  if (marker) {
    (void)evaluate(*marker, env);
    // A printed marker parses again, unless a literal holds what the
    // printer cannot quote (both quote kinds, a newline from an escape).
    if (printable(*marker) && !parse_marker(to_string(*marker))) __builtin_trap();
  } else if (marker.error().message.rfind("invalid marker '" + std::string(text) + "': ", 0) != 0) {
    __builtin_trap();
  }
  return 0;
}

// libFuzzer target for conda-meta records (conda's PrefixRecord JSON): any
// bytes give a record or an error naming the file, never an exception, a
// crash or a hang; every listed path stays inside the prefix. Seeds:
// fixtures/fuzz/conda_meta/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/python/conda_meta.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace envlock::scanner;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto record = parse_conda_record(text, "fuzz/conda-meta/x.json");
  if (!record) {
    if (record.error().message.rfind("fuzz/conda-meta/x.json", 0) != 0) __builtin_trap();
    return 0;
  }
  if (record->name.empty() || record->version.empty()) __builtin_trap();
  for (const auto& f : record->files) {
    const std::string& p = f.path;
    if (p.empty() || p.front() == '/' || p.find('\0') != std::string::npos) __builtin_trap();
    if (p == ".." || p.starts_with("../") || p.find("/../") != std::string::npos ||
        p.ends_with("/..")) {
      __builtin_trap();
    }
    if (!f.sha256.empty() && f.sha256.size() != 64) __builtin_trap();
  }
  return 0;
}

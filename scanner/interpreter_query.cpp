#include "scanner/interpreter_query.hpp"

#include <nlohmann/json.hpp>

#include "scanner/subprocess.hpp"

namespace envlock::scanner {

namespace {

// Standard library only; prints one JSON object. sys.path[0] is the script's
// directory ('' for -c): the cwd is not part of the environment, so drop it.
constexpr const char* kScript = R"PY(
import json, os, site, sys, sysconfig
v = sys.version_info
full = "%d.%d.%d" % (v[0], v[1], v[2])
if v[3] != "final":
    full += {"alpha": "a", "beta": "b", "candidate": "rc"}.get(v[3], v[3]) + str(v[4])
impl = sys.implementation.name
if impl == "cpython":
    abi = "cp%d%d%s" % (v[0], v[1], getattr(sys, "abiflags", ""))
else:
    soabi = sysconfig.get_config_var("SOABI") or ""
    abi = soabi.replace("-", "_").replace(".", "_")
iv = sys.implementation.version
impl_version = "%d.%d.%d" % (iv[0], iv[1], iv[2])
path = sys.path[1:] if sys.path and sys.path[0] in ("", os.getcwd()) else sys.path
# Where site would look, existing or not: creating one of them changes sys.path
# (interpreter_cache.cpp watches them).
cands = list(getattr(site, "getsitepackages", lambda: [])())
if getattr(site, "ENABLE_USER_SITE", False):
    cands.append(site.getusersitepackages())
print(json.dumps({
    "implementation": impl,
    "version": full,
    "implementation_version": impl_version,
    "abi": abi,
    "platform": sysconfig.get_platform().replace("-", "_").replace(".", "_"),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "executable": sys.executable,
    "sys_path": [p for p in path if os.path.isdir(p)],
    "site_candidates": cands,
}))
)PY";

}  // namespace

Result<InterpreterFacts> parse_interpreter_output(std::string_view text, std::string_view exe) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return fail(std::string(exe) + ": interpreter printed something that is not the expected JSON");
  }
  InterpreterFacts facts;
  auto str = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  facts.python.implementation = str("implementation");
  facts.python.version = str("version");
  facts.python.abi = str("abi");
  facts.python.platform = str("platform");
  facts.python.prefix = str("prefix");
  facts.python.executable = str("executable");
  if (facts.python.version.empty() || facts.python.implementation.empty()) {
    return fail(std::string(exe) + ": interpreter did not report its version");
  }
  for (auto [key, out] : {std::pair{"sys_path", &facts.sys_path}, std::pair{"site_candidates", &facts.site_candidates}}) {
    if (auto it = doc.find(key); it != doc.end() && it->is_array()) {
      for (const auto& p : *it) {
        if (p.is_string()) out->push_back(p.get<std::string>());
      }
    }
  }
  facts.output = std::string(text);
  return facts;
}

Result<InterpreterFacts> query_interpreter(const std::string& exe) {
  auto run = run_process({exe, "-c", kScript}, std::chrono::seconds(30));
  if (!run) return tl::unexpected(run.error());
  if (run->exit_code != 0) {
    std::string err = run->err.substr(0, 500);
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return fail(exe + ": interpreter exited with status " + std::to_string(run->exit_code) +
                (err.empty() ? "" : ": " + err));
  }
  return parse_interpreter_output(run->out, exe);
}

}  // namespace envlock::scanner

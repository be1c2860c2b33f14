#include "scanner/python/interpreter_query.hpp"

#include <unistd.h>

#include <climits>

#include <nlohmann/json.hpp>

#include "base/subprocess.hpp"

namespace envlock::scanner {

namespace {

// Runs under -I -S: standard library only, prints one JSON object. Importing
// `site` under -S runs none of site.main(): no .pth file, no sitecustomize.
// The venv rules below are site.venv()'s, minus its addsitepackages() call;
// the user site is the one a normal run would add (check_enableusersite()
// cannot tell: -I sets no_user_site here). argv: PYTHONUSERBASE of the
// caller ("" when unset), "1" when the caller sets PYTHONNOUSERSITE.
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
user_base, no_user_site = sys.argv[1], sys.argv[2] == "1"
prefix = sys.prefix
prefixes = list(site.PREFIXES)
user_site = not no_user_site and os.geteuid() == os.getuid() and os.getegid() == os.getgid()
sites = []
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
venv_prefix = os.path.dirname(exe_dir)
for conf in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(venv_prefix, "pyvenv.cfg")):
    if os.path.isfile(conf):
        system_site = "true"
        with open(conf, encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    key, _, value = line.partition("=")
                    if key.strip().lower() == "include-system-site-packages":
                        system_site = value.strip().lower()
        # site.venv() sets these before it adds the venv's site-packages, and
        # Debian's getsitepackages() looks at them (sys.prefix != base_prefix).
        prefix = sys.prefix = sys.exec_prefix = venv_prefix
        sites += site.getsitepackages([venv_prefix])
        if system_site == "true":
            prefixes.insert(0, venv_prefix)
        else:
            prefixes = [venv_prefix]
            user_site = False
        break
if user_site:
    if user_base:
        os.environ["PYTHONUSERBASE"] = user_base
    else:
        os.environ.pop("PYTHONUSERBASE", None)
    sites.append(site.getusersitepackages())
sites += site.getsitepackages(prefixes)
print(json.dumps({
    "implementation": impl,
    "version": full,
    "implementation_version": impl_version,
    "abi": abi,
    "platform": sysconfig.get_platform().replace("-", "_").replace(".", "_"),
    "prefix": prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "executable": sys.executable,
    "base_path": [p for p in sys.path if p],
    "site_candidates": sites,
}))
)PY";

// The caller's working directory: a relative command is relative to it.
std::string working_directory() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

}  // namespace

std::string env_value(const std::vector<std::string>& environ, std::string_view name) {
  for (const auto& e : environ) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
      return e.substr(name.size() + 1);
    }
  }
  return "";
}

QueryEnvironment query_environment(const std::vector<std::string>& environ) {
  QueryEnvironment q;
  q.env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  for (const auto& e : environ) {
    if (e.starts_with("HOME=")) {
      q.env.push_back(e);
      break;
    }
  }
  std::string ld = env_value(environ, "LD_LIBRARY_PATH");
  std::string kept;
  for (std::size_t i = 0; i <= ld.size();) {
    std::size_t j = std::min(ld.find_first_of(":;", i), ld.size());
    if (j > i && ld[i] == '/') kept += (kept.empty() ? "" : ":") + ld.substr(i, j - i);
    i = j + 1;
  }
  if (!kept.empty()) q.env.push_back("LD_LIBRARY_PATH=" + kept);
  q.args.push_back(env_value(environ, "PYTHONUSERBASE"));
  q.args.push_back(env_value(environ, "PYTHONNOUSERSITE").empty() ? "0" : "1");
  return q;
}

Result<InterpreterFacts> parse_interpreter_output(std::string_view text, std::string_view command) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return fail(std::string(command) + ": interpreter printed something that is not the expected JSON");
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
    return fail(std::string(command) + ": interpreter did not report its version");
  }
  for (auto [key, out] :
       {std::pair{"base_path", &facts.base_path}, std::pair{"site_candidates", &facts.site_candidates}}) {
    if (auto it = doc.find(key); it != doc.end() && it->is_array()) {
      for (const auto& p : *it) {
        // Relative entries would be relative to the child's "/": only absolute ones mean anything.
        if (p.is_string() && p.get_ref<const std::string&>().starts_with('/')) out->push_back(p.get<std::string>());
      }
    }
  }
  facts.output = std::string(text);
  return facts;
}

Result<InterpreterFacts> query_interpreter(const std::string& command, const std::vector<std::string>& environ,
                                           std::chrono::milliseconds limit) {
  std::string exe = find_command(command, env_value(environ, "PATH"), working_directory());
  if (exe.empty()) return fail(command + ": cannot run: No such file or directory");
  QueryEnvironment q = query_environment(environ);
  // -I: no PYTHON* variables, no user site, no script or cwd entry on
  // sys.path; -S: no `site`, so no .pth line and no sitecustomize runs.
  std::vector<std::string> argv{exe, "-I", "-S", "-c", kScript};
  argv.insert(argv.end(), q.args.begin(), q.args.end());
  ProcessOptions options;
  options.env = std::move(q.env);
  options.cwd = "/";
  options.limit = limit;
  auto run = run_process(argv, options);
  if (!run) {
    // run_process names the resolved path; the user knows the command as given.
    std::string message = run.error().message;
    if (message.starts_with(exe + ": ")) message.erase(0, exe.size() + 2);
    return fail(command + ": " + message);
  }
  if (run->exit_code != 0) {
    std::string err = run->err.substr(0, 500);
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return fail(command + ": interpreter exited with status " + std::to_string(run->exit_code) +
                (err.empty() ? "" : ": " + err));
  }
  return parse_interpreter_output(run->out, command);
}

}  // namespace envlock::scanner

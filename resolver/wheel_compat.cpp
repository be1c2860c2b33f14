#include "resolver/wheel_compat.hpp"

#include <charconv>
#include <unordered_map>
#include <utility>

#include "resolver/name.hpp"

namespace envlock::resolver {

namespace {

using GlibcVersion = std::pair<unsigned, unsigned>;

std::optional<unsigned> to_number(std::string_view s) {
  unsigned value = 0;
  if (s.empty() || s.size() > 6) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "2.36" -> {2, 36}; "2" -> {2, 0}.
std::optional<GlibcVersion> parse_glibc(std::string_view s) {
  const auto dot = s.find('.');
  const auto major = to_number(s.substr(0, dot));
  if (!major) return std::nullopt;
  if (dot == std::string_view::npos) return GlibcVersion{*major, 0};
  std::string_view rest = s.substr(dot + 1);
  rest = rest.substr(0, rest.find('.'));
  const auto minor = to_number(rest);
  if (!minor) return std::nullopt;
  return GlibcVersion{*major, *minor};
}

std::string implementation_prefix(std::string_view implementation) {
  static const std::unordered_map<std::string_view, std::string_view> kShort{
      {"cpython", "cp"}, {"pypy", "pp"}, {"ironpython", "ip"}, {"jython", "jy"}};
  const auto it = kShort.find(implementation);
  return it == kShort.end() ? std::string(implementation) : std::string(it->second);
}

// What the tags are checked against, taken from the target once.
struct Interpreter {
  std::string implementation;  // "cpython"
  std::string prefix;          // "cp"
  std::string version;         // "3.11.7", for messages
  unsigned major = 0;
  unsigned minor = 0;
  std::string abi;       // "cp311"; "" when unknown
  std::string platform;  // "linux_x86_64"; "" when unknown
  std::string arch;      // "x86_64" when platform is linux_*
  std::optional<GlibcVersion> glibc;
  std::string glibc_text;
};

std::optional<Interpreter> interpreter_of(const lockfile::Fingerprint& fp) {
  if (!fp.python) return std::nullopt;
  const auto& py = *fp.python;
  Interpreter in;
  in.implementation = py.implementation;
  in.prefix = implementation_prefix(py.implementation);
  in.version = py.version;
  const auto dot = py.version.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto major = to_number(std::string_view(py.version).substr(0, dot));
  std::string_view rest = std::string_view(py.version).substr(dot + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  const auto minor = to_number(rest.substr(0, digits));
  if (!major || !minor) return std::nullopt;
  in.major = *major;
  in.minor = *minor;
  in.abi = py.abi;
  in.platform = py.platform;
  if (in.platform.rfind("linux_", 0) == 0) in.arch = in.platform.substr(6);
  if (fp.os && !fp.os->glibc.empty()) {
    in.glibc = parse_glibc(fp.os->glibc);
    in.glibc_text = fp.os->glibc;
  }
  return in;
}

bool interpreter_fits(std::string_view py, std::string_view abi, const Interpreter& in) {
  const std::string major = std::to_string(in.major);
  if (py.rfind("py", 0) == 0) {
    // Generic tags carry no ABI: py3, py311, py30 ... py3<minor>.
    if (abi != "none") return false;
    std::string_view rest = py.substr(2);
    if (rest.rfind(major, 0) != 0) return false;
    rest.remove_prefix(major.size());
    if (rest.empty()) return true;
    const auto minor = to_number(rest);
    return minor && *minor <= in.minor;
  }
  if (py.rfind(in.prefix, 0) != 0 || in.prefix.empty()) return false;
  std::string_view rest = py.substr(in.prefix.size());
  if (rest.rfind(major, 0) != 0) return false;
  rest.remove_prefix(major.size());
  const auto minor = to_number(rest);
  if (!minor) return false;
  const bool cpython = in.prefix == "cp";
  // A free-threaded build ("cp313t") cannot load the stable ABI.
  const bool abi3_ok = cpython && in.major == 3 && !(in.abi.size() > 0 && in.abi.back() == 't');
  if (*minor == in.minor) {
    return abi == "none" || (!in.abi.empty() && abi == in.abi) || (abi == "abi3" && abi3_ok) ||
           in.abi.empty();
  }
  return *minor < in.minor && *minor >= 2 && abi == "abi3" && abi3_ok;
}

struct Manylinux {
  GlibcVersion glibc;
  std::string arch;
};

// manylinux1_x86_64, manylinux2010_*, manylinux2014_*, manylinux_2_28_*.
std::optional<Manylinux> parse_manylinux(std::string_view plat, std::string_view family) {
  const std::string head = std::string(family) + "_";
  if (plat.rfind(head, 0) == 0) {
    std::string_view rest = plat.substr(head.size());
    const auto a = rest.find('_');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = rest.find('_', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    const auto major = to_number(rest.substr(0, a));
    const auto minor = to_number(rest.substr(a + 1, b - a - 1));
    if (!major || !minor || b + 1 >= rest.size()) return std::nullopt;
    return Manylinux{{*major, *minor}, std::string(rest.substr(b + 1))};
  }
  if (family != "manylinux") return std::nullopt;
  static const std::pair<std::string_view, GlibcVersion> kLegacy[] = {
      {"manylinux1_", {2, 5}}, {"manylinux2010_", {2, 12}}, {"manylinux2014_", {2, 17}}};
  for (const auto& [prefix, glibc] : kLegacy) {
    if (plat.rfind(prefix, 0) == 0 && plat.size() > prefix.size()) {
      return Manylinux{glibc, std::string(plat.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

std::optional<std::string> platform_problem(std::string_view plat, const Interpreter& in) {
  if (plat == "any" || in.platform.empty() || plat == in.platform) return std::nullopt;
  const std::string tag(plat);
  if (!in.arch.empty()) {
    if (auto many = parse_manylinux(plat, "manylinux")) {
      if (many->arch != in.arch) return tag + " is built for " + many->arch + ", the target is " + in.arch;
      if (!in.glibc || *in.glibc >= many->glibc) return std::nullopt;
      return tag + " needs glibc " + std::to_string(many->glibc.first) + "." +
             std::to_string(many->glibc.second) + ", the target has " + in.glibc_text;
    }
    if (auto musl = parse_manylinux(plat, "musllinux")) {
      if (musl->arch != in.arch) return tag + " is built for " + musl->arch + ", the target is " + in.arch;
      if (!in.glibc) return std::nullopt;  // maybe a musl system: cannot tell
      return tag + " needs musl libc, the target uses glibc " + in.glibc_text;
    }
    if (plat.rfind("linux_", 0) == 0) {
      return tag + " is built for " + std::string(plat.substr(6)) + ", the target is " + in.arch;
    }
  }
  return tag + " does not run on " + in.platform;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

struct TagVerdict {
  bool well_formed = false;
  std::optional<std::string> problem;
};

TagVerdict judge(std::string_view tag, const Interpreter& in) {
  const auto parts = split(tag, '-');
  if (parts.size() != 3) return {};
  for (auto p : parts) {
    if (p.empty()) return {};
  }
  const auto pys = split(parts[0], '.');
  const auto abis = split(parts[1], '.');
  const auto plats = split(parts[2], '.');
  std::optional<std::string> first;
  for (auto py : pys) {
    for (auto abi : abis) {
      const bool fits = interpreter_fits(py, abi, in);
      for (auto plat : plats) {
        std::optional<std::string> problem;
        if (!fits) {
          problem = std::string(py) + "-" + std::string(abi) + " does not fit " +
                    in.implementation + " " + in.version +
                    (in.abi.empty() ? std::string() : " (abi " + in.abi + ")");
        } else {
          problem = platform_problem(plat, in);
        }
        if (!problem) return {true, std::nullopt};
        if (!first) first = std::move(problem);
      }
    }
  }
  return {true, std::move(first)};
}

}  // namespace

std::optional<std::string> why_unsupported(std::string_view tag, const lockfile::Fingerprint& fp) {
  const auto in = interpreter_of(fp);
  if (!in) return std::nullopt;
  return judge(tag, *in).problem;
}

std::vector<IncompatibleWheel> incompatible_wheels(const lockfile::Fingerprint& fp) {
  std::vector<IncompatibleWheel> out;
  const auto in = interpreter_of(fp);
  if (!in) return out;
  std::unordered_map<std::string, const lockfile::Package*> effective;
  for (const auto& p : fp.packages) {
    auto [it, fresh] = effective.emplace(normalize_name(p.name), &p);
    if (!fresh && it->second->shadowed && !p.shadowed) it->second = &p;
  }
  for (const auto& p : fp.packages) {
    if (p.wheel_tags.empty() || effective[normalize_name(p.name)] != &p) continue;
    IncompatibleWheel wheel{&p, "", 0};
    bool supported = false;
    for (const auto& tag : p.wheel_tags) {
      TagVerdict verdict = judge(tag, *in);
      if (!verdict.well_formed) continue;
      if (!verdict.problem) {
        supported = true;
        break;
      }
      if (wheel.tags++ == 0) wheel.reason = std::move(*verdict.problem);
    }
    if (!supported && wheel.tags > 0) out.push_back(std::move(wheel));
  }
  return out;
}

std::string describe(const IncompatibleWheel& wheel) {
  std::string out = wheel.package->name + " " + wheel.package->version +
                    " cannot run on the target: " + wheel.reason;
  if (wheel.tags > 1) {
    out += " (and " + std::to_string(wheel.tags - 1) + " other tag" +
           (wheel.tags > 2 ? "s" : "") + ")";
  }
  return out;
}

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& tag : tags) {
    if (!out.empty()) out += ", ";
    out += tag;
  }
  return out;
}

}  // namespace envlock::resolver

#include "resolver/marker.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "resolver/name.hpp"
#include "resolver/specifier.hpp"
#include "resolver/version.hpp"

namespace envlock::resolver {

namespace {

constexpr int kMaxDepth = 64;

struct VarSpelling {
  std::string_view text;
  MarkerVar var;
};

// Every spelling packaging's tokenizer accepts; dotted ones are legacy aliases.
constexpr std::array<VarSpelling, 18> kVarSpellings = {{
    {"python_version", MarkerVar::kPythonVersion},
    {"python_full_version", MarkerVar::kPythonFullVersion},
    {"os_name", MarkerVar::kOsName},
    {"os.name", MarkerVar::kOsName},
    {"sys_platform", MarkerVar::kSysPlatform},
    {"sys.platform", MarkerVar::kSysPlatform},
    {"platform_release", MarkerVar::kPlatformRelease},
    {"platform_system", MarkerVar::kPlatformSystem},
    {"platform_version", MarkerVar::kPlatformVersion},
    {"platform.version", MarkerVar::kPlatformVersion},
    {"platform_machine", MarkerVar::kPlatformMachine},
    {"platform.machine", MarkerVar::kPlatformMachine},
    {"platform_python_implementation", MarkerVar::kPlatformPythonImplementation},
    {"platform.python_implementation", MarkerVar::kPlatformPythonImplementation},
    {"python_implementation", MarkerVar::kPlatformPythonImplementation},
    {"implementation_name", MarkerVar::kImplementationName},
    {"implementation_version", MarkerVar::kImplementationVersion},
    {"extra", MarkerVar::kExtra},
}};

struct OpSpelling {
  std::string_view text;
  MarkerOp op;
};

constexpr std::array<OpSpelling, 8> kOpSpellings = {{{"===", MarkerOp::kArbitrary},
                                                     {"==", MarkerOp::kEqual},
                                                     {"~=", MarkerOp::kCompatible},
                                                     {"!=", MarkerOp::kNotEqual},
                                                     {"<=", MarkerOp::kLessEqual},
                                                     {">=", MarkerOp::kGreaterEqual},
                                                     {"<", MarkerOp::kLess},
                                                     {">", MarkerOp::kGreater}}};

// Python's \w for our purposes: ASCII word characters, and any non-ASCII
// byte (most non-ASCII code points are letters).
bool is_word(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         u >= 0x80;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// The value of a Python string literal's body, as packaging's
/// ast.literal_eval computes it. nullopt where Python raises: a raw newline,
/// a NUL, a bad \x/\u/\U escape, \N{...} (we keep no Unicode name table) or
/// a final backslash (it escaped the closing quote).
std::optional<std::string> decode_python_string(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\n' || c == '\r' || c == '\0') return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    const char e = body[i];
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case 'x':
      case 'u':
      case 'U': {
        const std::size_t len = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        if (body.size() - i - 1 < len) return std::nullopt;
        std::uint32_t cp = 0;
        for (std::size_t k = 1; k <= len; ++k) {
          if (!is_hex(body[i + k])) return std::nullopt;
          cp = cp * 16 + hex_value(body[i + k]);
        }
        if (cp > 0x10FFFF) return std::nullopt;
        append_utf8(out, cp);
        i += len;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          std::uint32_t cp = 0;
          std::size_t k = 0;
          while (k < 3 && i + k < body.size() && body[i + k] >= '0' && body[i + k] <= '7') {
            cp = cp * 8 + static_cast<std::uint32_t>(body[i + k] - '0');
            ++k;
          }
          append_utf8(out, cp);
          i += k - 1;
        } else if (e == 'N' || e == '\r' || e == '\0') {
          return std::nullopt;
        } else {
          // Python keeps an unknown escape as written (with a warning).
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, std::size_t pos) : s_(text), pos_(pos) {}

  std::optional<Marker> marker(int depth) {
    Marker group;
    for (;;) {
      auto term = atom(depth);
      if (!term) return std::nullopt;
      group.terms.push_back(std::move(*term));
      if (keyword("and")) {
        group.joins.push_back(MarkerJoin::kAnd);
      } else if (keyword("or")) {
        group.joins.push_back(MarkerJoin::kOr);
      } else {
        return group;
      }
    }
  }

  std::size_t pos() const { return pos_; }
  std::size_t error_pos() const { return error_pos_; }
  const std::string& error() const { return error_; }

 private:
  std::nullopt_t fail_at(std::size_t pos, std::string message) {
    error_pos_ = pos;
    error_ = std::move(message);
    return std::nullopt;
  }

  char peek(std::size_t off = 0) const { return pos_ + off < s_.size() ? s_[pos_ + off] : '\0'; }

  // packaging's WS token: spaces and tabs only.
  bool skip_ws() {
    const std::size_t start = pos_;
    while (peek() == ' ' || peek() == '\t') ++pos_;
    return pos_ != start;
  }

  bool boundary_before(std::size_t p) const { return p == 0 || !is_word(s_[p - 1]); }
  bool boundary_after(std::size_t p) const { return p >= s_.size() || !is_word(s_[p]); }

  /// `\bword\b` at the current position; consumed when present.
  bool keyword(std::string_view word) {
    if (!s_.substr(pos_).starts_with(word) || !boundary_before(pos_) ||
        !boundary_after(pos_ + word.size())) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  std::optional<Marker> atom(int depth) {
    skip_ws();
    Marker out;
    if (peek() == '(') {
      if (depth >= kMaxDepth) return fail_at(pos_, "markers nested too deeply");
      const std::size_t open = pos_++;
      skip_ws();
      auto inner = marker(depth + 1);
      if (!inner) return std::nullopt;
      skip_ws();
      if (peek() != ')') return fail_at(open, "expected closing parenthesis");
      ++pos_;
      out = std::move(*inner);
    } else {
      auto cmp = comparison();
      if (!cmp) return std::nullopt;
      out.comparison = std::move(*cmp);
    }
    skip_ws();
    return out;
  }

  std::optional<MarkerComparison> comparison() {
    MarkerComparison c;
    skip_ws();
    auto lhs = value();
    if (!lhs) return std::nullopt;
    c.lhs = std::move(*lhs);
    skip_ws();
    auto op = oper();
    if (!op) return std::nullopt;
    c.op = *op;
    skip_ws();
    auto rhs = value();
    if (!rhs) return std::nullopt;
    c.rhs = std::move(*rhs);
    skip_ws();
    return c;
  }

  std::optional<MarkerValue> value() {
    for (const auto& v : kVarSpellings) {
      if (keyword(v.text)) {
        MarkerValue out;
        out.variable = v.var;
        return out;
      }
    }
    const char quote = peek();
    if (quote == '\'' || quote == '"') {
      const std::size_t close = s_.find(quote, pos_ + 1);
      if (close != std::string_view::npos) {
        auto decoded = decode_python_string(s_.substr(pos_ + 1, close - pos_ - 1));
        if (!decoded) return fail_at(pos_, "invalid string literal");
        pos_ = close + 1;
        MarkerValue out;
        out.literal = std::move(*decoded);
        return out;
      }
    }
    return fail_at(pos_, "expected a marker variable or quoted string");
  }

  std::optional<MarkerOp> oper() {
    if (keyword("in")) return MarkerOp::kIn;
    if (keyword("not")) {
      if (!skip_ws()) return fail_at(pos_, "expected whitespace after 'not'");
      if (!keyword("in")) return fail_at(pos_, "expected 'in' after 'not'");
      return MarkerOp::kNotIn;
    }
    for (const auto& o : kOpSpellings) {
      if (s_.substr(pos_).starts_with(o.text)) {
        pos_ += o.text.size();
        return o.op;
      }
    }
    return fail_at(pos_,
                   "expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  }

  std::string_view s_;
  std::size_t pos_;
  std::size_t error_pos_ = 0;
  std::string error_;
};

const std::string& lookup(const MarkerEnv& env, MarkerVar var, const std::string& extra) {
  switch (var) {
    case MarkerVar::kPythonVersion: return env.python_version;
    case MarkerVar::kPythonFullVersion: return env.python_full_version;
    case MarkerVar::kOsName: return env.os_name;
    case MarkerVar::kSysPlatform: return env.sys_platform;
    case MarkerVar::kPlatformMachine: return env.platform_machine;
    case MarkerVar::kPlatformSystem: return env.platform_system;
    case MarkerVar::kPlatformRelease: return env.platform_release;
    case MarkerVar::kImplementationName: return env.implementation_name;
    case MarkerVar::kImplementationVersion: return env.implementation_version;
    case MarkerVar::kPlatformPythonImplementation: return env.platform_python_implementation;
    case MarkerVar::kPlatformVersion: return env.platform_version;
    case MarkerVar::kExtra: return extra;
  }
  return extra;
}

bool is_version_op(MarkerOp op) { return op != MarkerOp::kIn && op != MarkerOp::kNotIn; }

bool compare_strings(const std::string& lhs, MarkerOp op, const std::string& rhs) {
  switch (op) {
    case MarkerOp::kLess: return lhs < rhs;
    case MarkerOp::kLessEqual: return lhs <= rhs;
    case MarkerOp::kEqual:
    case MarkerOp::kArbitrary: return lhs == rhs;
    case MarkerOp::kNotEqual: return lhs != rhs;
    case MarkerOp::kGreaterEqual: return lhs >= rhs;
    case MarkerOp::kGreater: return lhs > rhs;
    case MarkerOp::kIn: return rhs.find(lhs) != std::string::npos;
    case MarkerOp::kNotIn: return rhs.find(lhs) == std::string::npos;
    case MarkerOp::kCompatible: return false;
  }
  return false;
}

bool evaluate_comparison(const MarkerComparison& c, const MarkerEnv& env, const std::string& extra) {
  std::string lhs = c.lhs.variable ? lookup(env, *c.lhs.variable, extra) : c.lhs.literal;
  std::string rhs = c.rhs.variable ? lookup(env, *c.rhs.variable, extra) : c.rhs.literal;
  // PEP 685: extra names compare normalized.
  if (c.lhs.variable == MarkerVar::kExtra || c.rhs.variable == MarkerVar::kExtra) {
    lhs = normalize_name(lhs);
    rhs = normalize_name(rhs);
  }
  if (is_version_op(c.op)) {
    // packaging: if "<op><rhs>" is a valid specifier, the left side is
    // tested against it as a version.
    auto spec = detail::try_parse_specifier(std::string(to_string(c.op)) + rhs);
    if (spec) {
      if (auto v = parse_version(lhs)) return contains(*spec, *v, true);
    }
  }
  return compare_strings(lhs, c.op, rhs);
}

bool evaluate_group(const Marker& m, const MarkerEnv& env, const std::string& extra) {
  if (m.comparison) return evaluate_comparison(*m.comparison, env, extra);
  // `and` binds tighter: the group is true when any run of and-joined terms
  // is all true.
  bool run = true;
  for (std::size_t i = 0; i < m.terms.size(); ++i) {
    if (run && !evaluate_group(m.terms[i], env, extra)) run = false;
    const bool run_ends = i + 1 == m.terms.size() || m.joins[i] == MarkerJoin::kOr;
    if (run_ends) {
      if (run) return true;
      run = true;
    }
  }
  return false;
}

std::string quote(const std::string& s) {
  const char q = s.find('"') == std::string::npos ? '"' : '\'';
  return q + s + q;
}

std::string format_value(const MarkerValue& v, bool normalize) {
  if (v.variable) return std::string(to_string(*v.variable));
  return quote(normalize ? normalize_name(v.literal) : v.literal);
}

void format(const Marker& m, bool top, std::string& out) {
  if (m.comparison) {
    const MarkerComparison& c = *m.comparison;
    const bool extra = c.lhs.variable == MarkerVar::kExtra || c.rhs.variable == MarkerVar::kExtra;
    out += format_value(c.lhs, extra);
    out += ' ';
    out += to_string(c.op);
    out += ' ';
    out += format_value(c.rhs, extra);
    return;
  }
  if (m.terms.size() == 1) {
    format(m.terms[0], top, out);
    return;
  }
  if (!top) out += '(';
  for (std::size_t i = 0; i < m.terms.size(); ++i) {
    if (i) out += m.joins[i - 1] == MarkerJoin::kAnd ? " and " : " or ";
    format(m.terms[i], false, out);
  }
  if (!top) out += ')';
}

std::string python_implementation_of(const std::string& name) {
  if (name == "cpython") return "CPython";
  if (name == "pypy") return "PyPy";
  if (name == "ironpython") return "IronPython";
  if (name == "jython") return "Jython";
  if (name == "graalpy") return "GraalVM";
  std::string out = name;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

/// Drops the first `n` '_'-separated fields of `s`.
std::string_view after_fields(std::string_view s, int n) {
  for (int i = 0; i < n; ++i) {
    const std::size_t u = s.find('_');
    if (u == std::string_view::npos) return "";
    s.remove_prefix(u + 1);
  }
  return s;
}

}  // namespace

std::string_view to_string(MarkerVar var) {
  for (const auto& v : kVarSpellings) {
    if (v.var == var) return v.text;
  }
  return "";
}

std::string_view to_string(MarkerOp op) {
  if (op == MarkerOp::kIn) return "in";
  if (op == MarkerOp::kNotIn) return "not in";
  if (op == MarkerOp::kCompatible) return "~=";
  for (const auto& o : kOpSpellings) {
    if (o.op == op) return o.text;
  }
  return "";
}

namespace detail {

std::optional<Marker> parse_marker_at(std::string_view text, std::size_t& pos, std::string& error) {
  Parser parser(text, pos);
  auto m = parser.marker(0);
  if (!m) {
    error = parser.error();
    pos = parser.error_pos();
    return std::nullopt;
  }
  pos = parser.pos();
  return m;
}

}  // namespace detail

Result<Marker> parse_marker(std::string_view text) {
  std::size_t pos = 0;
  std::string error;
  auto m = detail::parse_marker_at(text, pos, error);
  if (m && pos != text.size()) error = "expected end of marker";
  if (!m || pos != text.size()) {
    return fail("invalid marker '" + std::string(text) + "': " + error + " at column " +
                std::to_string(pos + 1));
  }
  return std::move(*m);
}

bool evaluate(const Marker& m, const MarkerEnv& env, std::string_view extra) {
  return evaluate_group(m, env, std::string(extra));
}

std::string to_string(const Marker& m) {
  std::string out;
  format(m, true, out);
  return out;
}

MarkerEnv marker_env_for(const lockfile::Fingerprint& target) {
  MarkerEnv env;
  std::string_view platform;
  if (target.python) {
    const lockfile::Python& py = *target.python;
    env.python_full_version = py.version;
    if (auto v = parse_version(py.version); v && v->release.size() >= 2) {
      env.python_version = std::string(v->release[0].digits()) + "." + std::string(v->release[1].digits());
    } else {
      env.python_version = py.version;
    }
    // sys.implementation.version spells a release candidate "3.13.0c1"
    // where platform.python_version() says "3.13.0rc1".
    env.implementation_version = py.version;
    if (auto rc = env.implementation_version.find("rc"); rc != std::string::npos) {
      env.implementation_version.erase(rc, 1);
    }
    std::string impl;
    for (char c : py.implementation) impl.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    env.implementation_name = impl;
    env.platform_python_implementation = python_implementation_of(impl);
    platform = py.platform;
  }
  if (target.os) env.platform_release = target.os->kernel;

  std::string_view machine;
  if (platform.starts_with("linux_")) {
    machine = platform.substr(6);
  } else if (platform.starts_with("manylinux_") || platform.starts_with("musllinux_")) {
    machine = after_fields(platform, 3);
  } else if (platform.starts_with("manylinux")) {
    machine = after_fields(platform, 1);
  }
  if (platform.starts_with("linux") || platform.starts_with("manylinux") ||
      platform.starts_with("musllinux")) {
    env.os_name = "posix";
    env.sys_platform = "linux";
    env.platform_system = "Linux";
    env.platform_machine = std::string(machine);
  } else if (platform.starts_with("macosx_")) {
    env.os_name = "posix";
    env.sys_platform = "darwin";
    env.platform_system = "Darwin";
    env.platform_machine = std::string(after_fields(platform, 3));
  } else if (platform.starts_with("win")) {
    env.os_name = "nt";
    env.sys_platform = "win32";
    env.platform_system = "Windows";
    env.platform_machine = platform == "win_amd64" ? "AMD64" : platform == "win_arm64" ? "ARM64" : "x86";
  }
  if (env.platform_machine.empty() && target.os) env.platform_machine = target.os->arch;
  return env;
}

}  // namespace envlock::resolver

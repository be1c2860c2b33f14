#include "cli/render_scan.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "cli/render_escape.hpp"
#include "cli/render_table.hpp"

namespace envlock::cli {

namespace {

constexpr std::size_t kMaxUnresolved = 20;
constexpr std::size_t kMaxIntegrity = 50;

std::string esc(std::string_view s) { return escape_terminal(s); }

// "a, b, c" of the non-empty parts.
std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ") {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string gib(std::int64_t bytes) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return buf.data();
}

struct Writer {
  bool color;
  std::string out;

  void heading(std::string_view text) {
    if (!out.empty()) out += '\n';
    out += paint(text, sgr::kBold, color);
    out += '\n';
  }
  // "Label:  value" rows, aligned by layout_table.
  void fields(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::vector<TextRow> table;
    for (const auto& [label, value] : rows) {
      if (value.empty()) continue;
      table.push_back({{label, {}}, {value, {}}});
    }
    out += layout_table(table, "  ", color);
  }
};

void write_python(Writer& w, const lockfile::Python& py) {
  w.heading("Python " + esc(py.version));
  std::vector<std::pair<std::string, std::string>> rows = {
      {"implementation", esc(py.implementation)},
      {"abi", esc(py.abi)},
      {"platform", esc(py.platform)},
      {"executable", esc(py.executable)},
      {"prefix", esc(py.prefix)},
  };
  for (std::size_t i = 0; i < py.site_dirs.size(); ++i) {
    rows.emplace_back(i == 0 ? "site dirs" : "", esc(py.site_dirs[i]));
  }
  w.fields(rows);
}

void write_image(Writer& w, const lockfile::Image& image) {
  w.heading("Image");
  std::vector<std::string> tags;
  for (const auto& t : image.tags) tags.push_back(esc(t));
  w.fields({{"reference", esc(image.reference)},
            {"manifest", esc(image.manifest_digest)},
            {"config", esc(image.config_digest)},
            {"tags", join(tags)},
            {"platform", esc(image.platform)},
            {"layers", image.layers.empty() ? "" : std::to_string(image.layers.size())}});
}

void write_system(Writer& w, const lockfile::Fingerprint& fp) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (fp.os) {
    const auto& os = *fp.os;
    rows.emplace_back("os", join({join({esc(os.id), esc(os.version_id)}, " "), esc(os.arch),
                                  os.kernel.empty() ? "" : "kernel " + esc(os.kernel)}));
    rows.emplace_back("glibc", esc(os.glibc));
    rows.emplace_back("libstdc++", join({esc(os.libstdcxx), os.glibcxx_max.empty() ? "" : "(" + esc(os.glibcxx_max) + ")"}, " "));
  }
  if (fp.hardware) {
    const auto& cpu = fp.hardware->cpu;
    rows.emplace_back("cpu", join({join({esc(cpu.model), cpu.vendor.empty() ? "" : "(" + esc(cpu.vendor) + ")"}, " "),
                                   cpu.cores ? std::to_string(cpu.cores) + " cores" : "",
                                   cpu.flags.empty() ? "" : std::to_string(cpu.flags.size()) + " flags",
                                   cpu.memory_bytes ? gib(cpu.memory_bytes) + " memory" : ""}));
    if (fp.hardware->gpus.empty()) rows.emplace_back("gpu", "none");
    for (const auto& gpu : fp.hardware->gpus) {
      rows.emplace_back("gpu", join({join({esc(gpu.model), gpu.vendor.empty() ? "" : "(" + esc(gpu.vendor) + ")"}, " "),
                                     gpu.driver.empty() ? "" : "driver " + esc(gpu.driver),
                                     gpu.compute_capability.empty() ? "" : "compute " + esc(gpu.compute_capability),
                                     gpu.memory_bytes ? gib(gpu.memory_bytes) : ""}));
    }
  }
  for (const auto& [name, version] : fp.cuda) rows.emplace_back("cuda " + esc(name), esc(version));
  for (const auto& [name, value] : fp.env) rows.emplace_back("env " + esc(name), esc(value));
  if (rows.empty()) return;
  w.heading("System");
  w.fields(rows);
}

void write_packages(Writer& w, const lockfile::Fingerprint& fp) {
  w.heading("Packages (" + std::to_string(fp.packages.size()) + ")");
  if (fp.packages.empty()) {
    w.out += "  (none)\n";
    return;
  }
  std::vector<TextRow> rows = {{{"name", sgr::kDim}, {"version", sgr::kDim}, {"installer", sgr::kDim}, {"location", sgr::kDim}}};
  for (const auto& pkg : fp.packages) {
    std::string location = esc(pkg.location);
    if (pkg.shadowed) location += " (shadowed)";
    rows.push_back({{esc(pkg.name), {}}, {esc(pkg.version), {}}, {esc(pkg.installer), {}}, {location, {}}});
  }
  w.out += layout_table(rows, "  ", w.color);
}

void write_native(Writer& w, const lockfile::Fingerprint& fp) {
  if (fp.native.empty()) return;
  std::size_t system = 0;
  std::vector<TextRow> unresolved;
  std::size_t unresolved_total = 0;
  for (const auto& obj : fp.native) {
    if (obj.owner == "system") ++system;
    for (const auto& [name, path] : obj.resolved) {
      if (!path.empty()) continue;
      if (++unresolved_total <= kMaxUnresolved) {
        unresolved.push_back({{esc(name), sgr::kRed}, {"needed by " + esc(obj.path), {}}});
      }
    }
  }
  w.heading("Native objects (" + std::to_string(fp.native.size()) + ", " + std::to_string(system) +
            " from the system)");
  if (unresolved_total == 0) {
    w.out += "  every needed library resolves\n";
    return;
  }
  w.out += "  " + std::to_string(unresolved_total) +
           (unresolved_total == 1 ? " needed library does not resolve:\n"
                                  : " needed libraries do not resolve:\n");
  w.out += layout_table(unresolved, "    ", w.color);
  if (unresolved_total > kMaxUnresolved) {
    w.out += "    ... and " + std::to_string(unresolved_total - kMaxUnresolved) + " more\n";
  }
}

void write_integrity(Writer& w, const lockfile::Fingerprint& fp) {
  if (fp.integrity.empty()) return;
  w.heading("Integrity problems (" + std::to_string(fp.integrity.size()) + ")");
  std::vector<TextRow> rows;
  for (std::size_t i = 0; i < fp.integrity.size() && i < kMaxIntegrity; ++i) {
    const auto& p = fp.integrity[i];
    rows.push_back({{esc(p.problem), sgr::kYellow},
                    {p.package.empty() ? "(unowned)" : esc(p.package), {}},
                    {esc(p.path), {}}});
  }
  w.out += layout_table(rows, "  ", w.color);
  if (fp.integrity.size() > kMaxIntegrity) {
    w.out += "  ... and " + std::to_string(fp.integrity.size() - kMaxIntegrity) + " more\n";
  }
}

void write_diagnostics(Writer& w, const lockfile::Fingerprint& fp) {
  if (fp.diagnostics.empty()) return;
  w.heading("Diagnostics (" + std::to_string(fp.diagnostics.size()) + ")");
  for (const auto& d : fp.diagnostics) {
    w.out += "  " + paint(esc(d.subject), sgr::kYellow, w.color) + ": " + esc(d.message) + "\n";
  }
}

}  // namespace

std::string render_scan(const lockfile::Fingerprint& fp, const RenderOptions& opts) {
  Writer w{opts.color, {}};
  w.out += paint("envlock scan", sgr::kBold, opts.color);
  if (!fp.envlock.target.empty()) w.out += " of " + esc(fp.envlock.target);
  w.out += '\n';
  if (!fp.envlock.digest.empty()) w.out += "digest " + esc(fp.envlock.digest) + "\n";
  if (fp.python) write_python(w, *fp.python);
  if (fp.image) write_image(w, *fp.image);
  write_system(w, fp);
  write_packages(w, fp);
  write_native(w, fp);
  write_integrity(w, fp);
  write_diagnostics(w, fp);
  return w.out;
}

}  // namespace envlock::cli

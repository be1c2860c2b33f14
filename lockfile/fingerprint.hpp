#pragma once
// The fingerprint: everything envlock knows about one environment. The scanner
// fills it, the codecs read and write it, the resolver compares two of them.
// Field names follow the lockfile contract in docs/lockfile.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace envlock::lockfile {

inline constexpr int kSchemaVersion = 1;

/// [envlock]: metadata about the lock itself; outside the digest.
struct Meta {
  int schema = kSchemaVersion;
  std::string generator;  ///< "envlock 0.1.0"
  std::string created;    ///< RFC 3339 UTC, e.g. 2026-11-27T10:31:00Z
  std::string digest;     ///< "sha256:<hex>" over the canonical form of the other sections
  std::string target;     ///< what was scanned: "python:/usr/bin/python3", "root:/srv", ...
  std::string signature;  ///< "ed25519:<hex>" when signed, else empty
};

/// [python]
struct Python {
  std::string implementation;  ///< "cpython", "pypy"
  std::string version;         ///< "3.11.7"
  std::string abi;             ///< "cp311"
  std::string platform;        ///< "linux_x86_64"
  std::string prefix;
  std::string executable;
  std::vector<std::string> site_dirs;  ///< in sys.path order
  /// The caller's PYTHONPATH entries as sys.path has them (absolute, in
  /// order); their directories are read as site directories. Live targets only.
  std::vector<std::string> pythonpath;
};

/// files = { count, digest }: aggregate over the installed files of a package.
struct FileSummary {
  std::uint64_t count = 0;
  /// "sha256:<hex>" over "path,hash" lines: the content read from disk in a
  /// full scan, the listed hash with --fast.
  std::string digest;
  /// "sha256:<hex>" over "path,hash" lines of the file list exactly as
  /// written (rows with a hash only). Both scan modes know it, so it is what a
  /// --fast side is compared on; "" in locks written before it existed.
  std::string listed = {};
};

/// [[packages]]
struct Package {
  std::string name;      ///< PEP 503 normalized
  std::string raw_name;  ///< as written in METADATA
  std::string version;
  std::string installer;  ///< INSTALLER file, "" when absent
  std::string location;   ///< site directory holding it
  std::string metadata;   ///< "sha256:<hex>" of METADATA / PKG-INFO
  std::vector<std::string> requires_dist;  ///< Requires-Dist lines, as written
  std::string requires_python;
  FileSummary files;
  std::string format;  ///< "dist-info", "egg-info", "egg-info-file", "egg", "egg-zip", "conda"
  bool requested = false;             ///< REQUESTED file present
  std::vector<std::string> wheel_tags;  ///< Tag: lines of WHEEL
  std::string direct_url;  ///< url from direct_url.json, "" when absent
  std::string direct_kind;  ///< "editable", "vcs", "archive", "dir" or ""
  std::string direct_hash;  ///< archive hash or vcs commit id
  bool shadowed = false;  ///< an earlier site dir (sys.path order), or an earlier copy in the same
                          ///< directory (its read order), has the same name
  /// How many [[bytecode]] entries pin this package's byte code; set by a
  /// full scan (0 included), absent when the scan did not look (--fast, a
  /// shadowed copy): then there is nothing to compare.
  std::optional<std::uint64_t> bytecode_pinned;
  /// An editable install's project sources (scanner/python/editable_project.hpp);
  /// set by a full scan of a package whose direct_url.json says editable.
  std::optional<FileSummary> editable;
  /// Conda packages (installer "conda", docs/integrity.md "Conda
  /// environments"): the channel and build string from conda-meta, and for a
  /// Python distribution conda installed, the conda package's own name
  /// ("pytorch" for torch). "" otherwise; absent from locks without them.
  std::string channel = {};
  std::string build = {};
  std::string conda_name = {};
};

/// [[bytecode]]: a pyc Python would load instead of its source (scanner/python/bytecode.hpp).
struct Bytecode {
  /// Relative to `location`: the site directory, or for an editable
  /// install's sources the project directory.
  std::string path;
  std::string package;  ///< normalized name of the package owning the source
  std::string location;
  std::string sha256;  ///< lower-case hex SHA-256 of the code after the 16-byte header
};

/// [[native]]
struct Native {
  std::string path;
  std::string owner;  ///< owning package, or "system"
  std::string soname;
  std::string sha256;
  std::vector<std::string> needed;
  std::map<std::string, std::string> resolved;  ///< needed name -> path, "" when not found
  std::string glibc_max;                        ///< highest GLIBC_x.y required, "" if none
  std::vector<std::string> version_needs;       ///< every verneed, "GLIBCXX_3.4.30", sorted
};

/// [os]
struct Os {
  std::string arch;
  std::string kernel;
  std::string id;
  std::string version_id;
  std::string glibc;
  std::string libstdcxx;    ///< "12.2.0" or "" when absent
  std::string glibcxx_max;  ///< highest GLIBCXX_ version libstdc++ defines
};

/// [hardware.cpu]
struct Cpu {
  std::string vendor;
  std::string model;
  std::vector<std::string> flags;  ///< /proc/cpuinfo names, sorted
  std::int64_t cores = 0;
  std::int64_t sockets = 0;
  std::string family;
  std::string model_id;
  std::string stepping;
  std::int64_t memory_bytes = 0;
};

/// [[hardware.gpus]]
struct Gpu {
  std::string vendor;  ///< "nvidia", "amd"
  std::string model;
  std::string driver;
  std::string compute_capability;
  std::int64_t memory_bytes = 0;
  std::string pci_id;  ///< "10de:2330"
  std::string bus;     ///< "0000:3b:00.0"
};

struct Hardware {
  Cpu cpu;
  std::vector<Gpu> gpus;  ///< empty is a valid, recorded state
};

/// [image]: the identity of a scanned container image.
struct Image {
  std::string reference;
  std::string manifest_digest;
  std::string config_digest;
  std::vector<std::string> tags;
  std::string platform;
  std::vector<std::string> layers;  ///< diff IDs, bottom first
};

/// [[site-entries]]: one entry at the top of a site directory. Start-up hooks
/// (`*.pth`, sitecustomize, usercustomize) run at every interpreter start;
/// unowned entries are code no file list vouches for.
struct SiteEntry {
  std::string location;  ///< the site directory
  std::string name;      ///< the entry's name in it
  std::string kind;      ///< "file", "directory", "symlink", "other"
  std::string owner;     ///< packages listing it, comma-separated; "dpkg"; "" for nobody
  bool startup = false;  ///< a start-up hook
  /// For start-up hooks and unowned entries: "sha256:<hex>" of a file or of
  /// an unowned directory's tree (full scans), "symlink=<target>"; else "".
  std::string digest;
};

/// [scan]: how the fingerprint was taken, inside the digest because it
/// decides which comparisons are meaningful (a --fast lock never read file
/// contents, so it cannot vouch for them).
struct Scan {
  std::string mode;  ///< "full" or "fast"
};

/// [[diagnostics]]: something that could not be read; the scan went on.
struct Diagnostic {
  std::string subject;  ///< file or package
  std::string message;
};

/// [[integrity]]: an installed file that does not match its package's RECORD.
struct FileProblem {
  std::string path;     ///< relative to the site directory
  std::string package;  ///< owning package; "" for a drop-in no RECORD lists
  std::string location; ///< the site directory
  std::string problem;  ///< "modified", "deleted", "unowned", "bytecode", "unverifiable", "incomplete"
  std::string expected; ///< hash from RECORD ("sha256=<urlsafe-b64>") or ""
  std::string actual;   ///< hash of the file on disk, same form, or ""
  std::string detail = {};  ///< why, where the problem alone does not say ("incomplete"), or ""
};

struct Fingerprint {
  Meta envlock;
  std::optional<Python> python;
  std::vector<Package> packages;  ///< sorted by name, then location
  std::vector<Native> native;     ///< sorted by path
  std::optional<Os> os;
  std::optional<Hardware> hardware;
  std::map<std::string, std::string> env;   ///< [env]: variables that change numerics or loading
  std::map<std::string, std::string> cuda;  ///< [cuda]: "cudart" -> "12.1.105", ...
  std::optional<Image> image;
  std::optional<Scan> scan;  ///< absent in locks written before it existed: taken as full
  std::vector<SiteEntry> site_entries;  ///< sorted by location, name
  std::vector<FileProblem> integrity;  ///< sorted by location, path
  std::vector<Bytecode> bytecode;      ///< sorted by location, path
  std::vector<Diagnostic> diagnostics;
};

/// Puts packages, native objects and lists in their canonical order.
void canonicalize(Fingerprint& fp);

}  // namespace envlock::lockfile

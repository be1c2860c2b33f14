#pragma once
// The CPU part of [hardware]: what the processor can execute, named the way
// Linux names it in /proc/cpuinfo, plus identity, core/socket counts and memory.
//
// Two sources, one vocabulary. The host's /proc/cpuinfo (read through the
// FileSystem, so recorded fixture trees go through the same code) is the
// authoritative list on a live host; the instruction path (cpuid + xgetbv on
// x86-64, getauxval on aarch64) decides which of those flags the OS has
// actually enabled the register state for, and stands in when /proc is missing.
// docs/hardware.md lists which flags only the kernel can know.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// One cpuid answer, as the instruction returned it.
struct CpuidLeaf {
  std::uint32_t leaf = 0;
  std::uint32_t subleaf = 0;
  std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

/// Raw facts from the instruction path. Empty (no leaves, xcr0 0) when not
/// read from a live x86-64 machine; `hwcap`/`hwcap2` are set on aarch64 only.
struct CpuidFacts {
  std::vector<CpuidLeaf> leaves;  ///< every leaf/subleaf the decoder uses that the CPU has
  std::uint64_t xcr0 = 0;         ///< XGETBV(0); 0 when the OS has not set CR4.OSXSAVE
  std::uint64_t hwcap = 0;        ///< getauxval(AT_HWCAP), aarch64
  std::uint64_t hwcap2 = 0;       ///< getauxval(AT_HWCAP2), aarch64

  /// The answer for (leaf, subleaf), or nullopt when it was not read.
  std::optional<CpuidLeaf> find(std::uint32_t leaf, std::uint32_t subleaf = 0) const;
};

/// XCR0 bits a feature's registers need before it counts.
inline constexpr std::uint64_t kXcr0Avx = 0x6;          ///< SSE + YMM state
inline constexpr std::uint64_t kXcr0Avx512 = 0xe6;      ///< + opmask, ZMM_Hi256, Hi16_ZMM
inline constexpr std::uint64_t kXcr0Amx = 0x60000;      ///< XTILECFG + XTILEDATA

/// Reads this machine's cpuid leaves and XCR0 (x86-64) or auxv hwcaps
/// (aarch64). Implemented per architecture in cpu_x86.cpp / cpu_arm64.cpp;
/// cpu_generic.cpp (other architectures) reports nothing, leaving /proc/cpuinfo.
CpuidFacts native_cpuid_facts();

/// This machine's features from the instruction path, under their Linux
/// /proc/cpuinfo names, sorted. On x86-64 a feature whose register state the
/// OS did not enable in XCR0 is left out. Implemented per architecture.
std::vector<std::string> native_cpu_flags();

/// Decodes x86 cpuid leaves into Linux flag names (sorted, unique). Flags
/// Linux synthesizes from kernel state are never produced (docs/hardware.md).
std::vector<std::string> decode_x86_cpuid(const CpuidFacts& facts);
/// Every name decode_x86_cpuid can produce, sorted.
std::vector<std::string> x86_cpuid_flag_names();
/// Decodes aarch64 AT_HWCAP / AT_HWCAP2 bits into /proc/cpuinfo "Features" names.
std::vector<std::string> decode_arm64_hwcaps(std::uint64_t hwcap, std::uint64_t hwcap2);

/// The XCR0 bits `flag` needs, or 0 when it needs no OS-enabled extended state.
std::uint64_t xcr0_requirement(std::string_view flag);

/// What one /proc/cpuinfo says; empty strings / 0 where a field is absent.
struct CpuInfo {
  std::string vendor;    ///< "GenuineIntel", "AuthenticAMD"; aarch64: implementer name ("ARM")
  std::string model;     ///< "model name"; aarch64: the core's name ("Neoverse-N1")
  std::string family;    ///< "cpu family"; aarch64: "CPU architecture"
  std::string model_id;  ///< "model"; aarch64: "CPU part" ("0xd0c")
  std::string stepping;  ///< "stepping"; aarch64: "r<variant>p<revision>" ("r3p1")
  std::vector<std::string> flags;  ///< "flags" / "Features", common to every processor, sorted
  std::int64_t logical = 0;        ///< number of "processor" entries
  std::int64_t sockets = 0;        ///< distinct "physical id" values; 0 when none are given
};

/// The identity cpuid gives (leaf 0 vendor, leaf 1 signature as Linux shows
/// family/model/stepping, 0x80000002-4 brand string) and decode_x86_cpuid's
/// flags; empty fields when the leaves are absent. logical/sockets stay 0.
CpuInfo decode_x86_identity(const CpuidFacts& facts);

/// Parses /proc/cpuinfo text (x86 and aarch64 layouts). Never fails: text it
/// does not understand is skipped; tokens over 64 bytes are ignored.
CpuInfo parse_cpuinfo(std::string_view text);

/// MemTotal of /proc/meminfo in bytes, or nullopt when absent or malformed.
std::optional<std::int64_t> parse_meminfo_total(std::string_view text);

/// Combines /proc flags with the instruction path on a live host: keeps the
/// /proc flags, minus those needing XCR0 state that `native` does not list.
/// With no /proc flags the native list is the answer. Sorted, unique.
std::vector<std::string> merge_cpu_flags(const std::vector<std::string>& proc_flags,
                                         const std::vector<std::string>& native);

/// Fills fp.hardware->cpu (creating fp.hardware) from the host's
/// /proc/cpuinfo, /proc/meminfo and /sys/devices/system/cpu. When
/// host.is_live(), flags are merged with native_cpu_flags() and the
/// instruction path fills in for a missing /proc. An unreadable file becomes a
/// diagnostic; a missing one only on a live host (images and roots have no /proc).
void probe_cpu(const FileSystem& host, lockfile::Fingerprint& fp);

}  // namespace envlock::scanner

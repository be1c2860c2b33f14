#include "scanner/host/cpu_probe.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <set>

#include "base/text.hpp"

namespace envlock::scanner {
namespace {

// A machine with 1024 logical CPUs writes about 3 MiB of /proc/cpuinfo.
constexpr std::uint64_t kCpuinfoLimit = 16ull << 20;
constexpr std::uint64_t kSmallFileLimit = 64 << 10;
constexpr std::size_t kMaxToken = 64;
constexpr std::size_t kMaxTokensPerLine = 8192;
constexpr std::size_t kMaxPhysicalIds = 4096;
constexpr std::int64_t kMaxCpus = 1 << 20;

/// Whitespace-separated tokens; hostile lines are bounded in count and length.
std::set<std::string> tokens(std::string_view s) {
  std::set<std::string> out;
  std::size_t i = 0, seen = 0;
  while (i < s.size() && seen < kMaxTokensPerLine) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) {
      ++seen;
      if (j - i <= kMaxToken) out.emplace(s.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// --- aarch64 names --------------------------------------------------------

struct IdName {
  unsigned id;
  const char* name;
};

// MIDR implementer codes (Arm ARM, MIDR_EL1) as lscpu names them.
constexpr IdName kArmImplementers[] = {
    {0x41, "ARM"},      {0x42, "Broadcom"}, {0x43, "Cavium"},  {0x46, "Fujitsu"},
    {0x48, "HiSilicon"}, {0x4e, "NVIDIA"},  {0x50, "APM"},     {0x51, "Qualcomm"},
    {0x53, "Samsung"},  {0x56, "Marvell"},  {0x61, "Apple"},   {0x69, "Intel"},
    {0x6d, "Microsoft"}, {0x70, "Phytium"}, {0xc0, "Ampere"},
};

// Parts of implementer 0x41 that run servers and ML hosts; others keep only the number.
constexpr IdName kArmParts[] = {
    {0xd03, "Cortex-A53"},  {0xd04, "Cortex-A35"},  {0xd05, "Cortex-A55"},
    {0xd07, "Cortex-A57"},  {0xd08, "Cortex-A72"},  {0xd09, "Cortex-A73"},
    {0xd0a, "Cortex-A75"},  {0xd0b, "Cortex-A76"},  {0xd0c, "Neoverse-N1"},
    {0xd0d, "Cortex-A77"},  {0xd40, "Neoverse-V1"}, {0xd41, "Cortex-A78"},
    {0xd44, "Cortex-X1"},   {0xd46, "Cortex-A510"}, {0xd47, "Cortex-A710"},
    {0xd48, "Cortex-X2"},   {0xd49, "Neoverse-N2"}, {0xd4a, "Neoverse-E1"},
    {0xd4d, "Cortex-A715"}, {0xd4e, "Cortex-X3"},   {0xd4f, "Neoverse-V2"},
    {0xd80, "Cortex-A520"}, {0xd81, "Cortex-A720"}, {0xd82, "Cortex-X4"},
    {0xd84, "Neoverse-V3"}, {0xd8e, "Neoverse-N3"},
};

const char* lookup(const IdName* begin, const IdName* end, unsigned id) {
  for (auto* p = begin; p != end; ++p)
    if (p->id == id) return p->name;
  return nullptr;
}

// Bit i of AT_HWCAP / AT_HWCAP2 and its /proc/cpuinfo name (arch/arm64/kernel/cpuinfo.c).
constexpr const char* kHwcap[32] = {
    "fp",      "asimd",   "evtstrm", "aes",     "pmull",    "sha1",   "sha2",   "crc32",
    "atomics", "fphp",    "asimdhp", "cpuid",   "asimdrdm", "jscvt",  "fcma",   "lrcpc",
    "dcpop",   "sha3",    "sm3",     "sm4",     "asimddp",  "sha512", "sve",    "asimdfhm",
    "dit",     "uscat",   "ilrcpc",  "flagm",   "ssbs",     "sb",     "paca",   "pacg"};
constexpr const char* kHwcap2[64] = {
    "dcpodp",    "sve2",      "sveaes",     "svepmull",  "svebitperm", "svesha3",
    "svesm4",    "flagm2",    "frint",      "svei8mm",   "svef32mm",   "svef64mm",
    "svebf16",   "i8mm",      "bf16",       "dgh",       "rng",        "bti",
    "mte",       "ecv",       "afp",        "rpres",     "mte3",       "sme",
    "smei16i64", "smef64f64", "smei8i32",   "smef16f32", "smeb16f32",  "smef32f32",
    "smefa64",   "wfxt",      "ebf16",      "sveebf16",  "cssc",       "rprfm",
    "sve2p1",    "sme2",      "sme2p1",     "smei16i32", "smebi32i32", "smeb16b16",
    "smef16f16", "mops",      "hbc",        "sveb16b16", "lrcpc3",     "lse128",
    "fpmr",      "lut",       "faminmax",   "f8cvt",     "f8fma",      "f8dp4",
    "f8dp2",     "f8e4m3",    "f8e5m2",     "smelutv2",  "smef8f16",   "smef8f32",
    "smesf8fma", "smesf8dp4", "smesf8dp2",  "poe"};

void apply_arm64_identity(CpuInfo& info, std::string_view implementer, std::string_view part,
                          std::string_view variant, std::string_view revision) {
  auto impl = parse_number<unsigned>(implementer, 16);
  if (impl) {
    const char* name = lookup(std::begin(kArmImplementers), std::end(kArmImplementers), *impl);
    info.vendor = name ? name : std::string(implementer);
  }
  info.model_id = std::string(part);
  auto part_id = parse_number<unsigned>(part, 16);
  if (impl && *impl == 0x41 && part_id) {
    if (const char* name = lookup(std::begin(kArmParts), std::end(kArmParts), *part_id)) {
      info.model = name;
    }
  }
  auto var = parse_number<unsigned>(variant, 16);
  auto rev = parse_number<unsigned>(revision, 10);
  if (var && rev) info.stepping = "r" + std::to_string(*var) + "p" + std::to_string(*rev);
}

// --- sysfs topology ---------------------------------------------------------

/// Counts CPUs in a kernel cpu list ("0-3,8,10-11"); nullopt when malformed.
std::optional<std::int64_t> count_cpu_list(std::string_view list) {
  list = trim(list);
  if (list.empty()) return std::nullopt;
  std::int64_t total = 0;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    auto dash = item.find('-');
    auto lo = parse_number<std::int64_t>(item.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : parse_number<std::int64_t>(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi >= kMaxCpus) return std::nullopt;
    total += *hi - *lo + 1;
    if (total > kMaxCpus) return std::nullopt;
  }
  return total;
}

/// Distinct physical_package_id values of /sys/devices/system/cpu/cpuN.
std::int64_t sysfs_sockets(const FileSystem& host) {
  auto entries = host.list("/sys/devices/system/cpu");
  if (!entries) return 0;
  std::set<std::int64_t> packages;
  for (const auto& e : *entries) {
    std::string_view name = e.name;
    if (!name.starts_with("cpu") || !parse_number<unsigned>(name.substr(3))) continue;
    auto text = host.read("/sys/devices/system/cpu/" + e.name + "/topology/physical_package_id",
                          kSmallFileLimit);
    if (!text) continue;
    auto id = parse_number<std::int64_t>(trim(*text));
    if (id && *id >= 0) packages.insert(*id);  // -1: the firmware did not say
  }
  return static_cast<std::int64_t>(packages.size());
}

// --- x86 cpuid --------------------------------------------------------------

enum Reg : std::uint8_t { kEax, kEbx, kEcx, kEdx };

struct CpuidBit {
  std::uint32_t leaf;
  std::uint8_t subleaf;
  Reg reg;
  std::uint8_t bit;
  const char* name;
};

// Linux arch/x86/include/asm/cpufeatures.h: the bits Linux reads straight from
// cpuid and shows under a name. Synthesized words (3, 8) are absent on purpose.
constexpr CpuidBit kX86Bits[] = {
    // leaf 1 EDX (word 0)
    {1, 0, kEdx, 0, "fpu"}, {1, 0, kEdx, 1, "vme"}, {1, 0, kEdx, 2, "de"},
    {1, 0, kEdx, 3, "pse"}, {1, 0, kEdx, 4, "tsc"}, {1, 0, kEdx, 5, "msr"},
    {1, 0, kEdx, 6, "pae"}, {1, 0, kEdx, 7, "mce"}, {1, 0, kEdx, 8, "cx8"},
    {1, 0, kEdx, 9, "apic"}, {1, 0, kEdx, 11, "sep"}, {1, 0, kEdx, 12, "mtrr"},
    {1, 0, kEdx, 13, "pge"}, {1, 0, kEdx, 14, "mca"}, {1, 0, kEdx, 15, "cmov"},
    {1, 0, kEdx, 16, "pat"}, {1, 0, kEdx, 17, "pse36"}, {1, 0, kEdx, 18, "pn"},
    {1, 0, kEdx, 19, "clflush"}, {1, 0, kEdx, 21, "dts"}, {1, 0, kEdx, 22, "acpi"},
    {1, 0, kEdx, 23, "mmx"}, {1, 0, kEdx, 24, "fxsr"}, {1, 0, kEdx, 25, "sse"},
    {1, 0, kEdx, 26, "sse2"}, {1, 0, kEdx, 27, "ss"}, {1, 0, kEdx, 28, "ht"},
    {1, 0, kEdx, 29, "tm"}, {1, 0, kEdx, 30, "ia64"}, {1, 0, kEdx, 31, "pbe"},
    // 0x80000001 EDX (word 1)
    {0x80000001, 0, kEdx, 11, "syscall"}, {0x80000001, 0, kEdx, 19, "mp"},
    {0x80000001, 0, kEdx, 20, "nx"}, {0x80000001, 0, kEdx, 22, "mmxext"},
    {0x80000001, 0, kEdx, 25, "fxsr_opt"}, {0x80000001, 0, kEdx, 26, "pdpe1gb"},
    {0x80000001, 0, kEdx, 27, "rdtscp"}, {0x80000001, 0, kEdx, 29, "lm"},
    {0x80000001, 0, kEdx, 30, "3dnowext"}, {0x80000001, 0, kEdx, 31, "3dnow"},
    // leaf 1 ECX (word 4); bit 27 (OSXSAVE) has no name
    {1, 0, kEcx, 0, "pni"}, {1, 0, kEcx, 1, "pclmulqdq"}, {1, 0, kEcx, 2, "dtes64"},
    {1, 0, kEcx, 3, "monitor"}, {1, 0, kEcx, 4, "ds_cpl"}, {1, 0, kEcx, 5, "vmx"},
    {1, 0, kEcx, 6, "smx"}, {1, 0, kEcx, 7, "est"}, {1, 0, kEcx, 8, "tm2"},
    {1, 0, kEcx, 9, "ssse3"}, {1, 0, kEcx, 10, "cid"}, {1, 0, kEcx, 11, "sdbg"},
    {1, 0, kEcx, 12, "fma"}, {1, 0, kEcx, 13, "cx16"}, {1, 0, kEcx, 14, "xtpr"},
    {1, 0, kEcx, 15, "pdcm"}, {1, 0, kEcx, 17, "pcid"}, {1, 0, kEcx, 18, "dca"},
    {1, 0, kEcx, 19, "sse4_1"}, {1, 0, kEcx, 20, "sse4_2"}, {1, 0, kEcx, 21, "x2apic"},
    {1, 0, kEcx, 22, "movbe"}, {1, 0, kEcx, 23, "popcnt"},
    {1, 0, kEcx, 24, "tsc_deadline_timer"}, {1, 0, kEcx, 25, "aes"},
    {1, 0, kEcx, 26, "xsave"}, {1, 0, kEcx, 28, "avx"}, {1, 0, kEcx, 29, "f16c"},
    {1, 0, kEcx, 30, "rdrand"}, {1, 0, kEcx, 31, "hypervisor"},
    // 0x80000001 ECX (word 6)
    {0x80000001, 0, kEcx, 0, "lahf_lm"}, {0x80000001, 0, kEcx, 1, "cmp_legacy"},
    {0x80000001, 0, kEcx, 2, "svm"}, {0x80000001, 0, kEcx, 3, "extapic"},
    {0x80000001, 0, kEcx, 4, "cr8_legacy"}, {0x80000001, 0, kEcx, 5, "abm"},
    {0x80000001, 0, kEcx, 6, "sse4a"}, {0x80000001, 0, kEcx, 7, "misalignsse"},
    {0x80000001, 0, kEcx, 8, "3dnowprefetch"}, {0x80000001, 0, kEcx, 9, "osvw"},
    {0x80000001, 0, kEcx, 10, "ibs"}, {0x80000001, 0, kEcx, 11, "xop"},
    {0x80000001, 0, kEcx, 12, "skinit"}, {0x80000001, 0, kEcx, 13, "wdt"},
    {0x80000001, 0, kEcx, 15, "lwp"}, {0x80000001, 0, kEcx, 16, "fma4"},
    {0x80000001, 0, kEcx, 17, "tce"}, {0x80000001, 0, kEcx, 19, "nodeid_msr"},
    {0x80000001, 0, kEcx, 21, "tbm"}, {0x80000001, 0, kEcx, 22, "topoext"},
    {0x80000001, 0, kEcx, 23, "perfctr_core"}, {0x80000001, 0, kEcx, 24, "perfctr_nb"},
    {0x80000001, 0, kEcx, 26, "bpext"}, {0x80000001, 0, kEcx, 27, "ptsc"},
    {0x80000001, 0, kEcx, 28, "perfctr_llc"}, {0x80000001, 0, kEcx, 29, "mwaitx"},
    // scattered (words 7, 11, 21: arch/x86/kernel/cpu/scattered.c)
    {6, 0, kEcx, 3, "epb"}, {0x80000007, 0, kEdx, 7, "hw_pstate"},
    {0x80000007, 0, kEdx, 9, "cpb"}, {0x80000007, 0, kEdx, 11, "proc_feedback"},
    {0x10, 0, kEbx, 1, "cat_l3"}, {0x10, 0, kEbx, 2, "cat_l2"}, {0x10, 0, kEbx, 3, "mba"},
    {0x10, 1, kEcx, 2, "cdp_l3"}, {0x10, 2, kEcx, 2, "cdp_l2"},
    {0xf, 0, kEdx, 1, "cqm_llc"}, {0xf, 1, kEdx, 0, "cqm_occup_llc"},
    {0xf, 1, kEdx, 1, "cqm_mbm_total"}, {0xf, 1, kEdx, 2, "cqm_mbm_local"},
    {0x80000022, 0, kEax, 0, "perfmon_v2"}, {0x80000022, 0, kEax, 1, "amd_lbr_v2"},
    {0x80000022, 0, kEax, 2, "amd_lbr_pmc_freeze"},
    // leaf 7.0 EBX (word 9)
    {7, 0, kEbx, 0, "fsgsbase"}, {7, 0, kEbx, 1, "tsc_adjust"}, {7, 0, kEbx, 2, "sgx"},
    {7, 0, kEbx, 3, "bmi1"}, {7, 0, kEbx, 4, "hle"}, {7, 0, kEbx, 5, "avx2"},
    {7, 0, kEbx, 7, "smep"}, {7, 0, kEbx, 8, "bmi2"}, {7, 0, kEbx, 9, "erms"},
    {7, 0, kEbx, 10, "invpcid"}, {7, 0, kEbx, 11, "rtm"}, {7, 0, kEbx, 12, "cqm"},
    {7, 0, kEbx, 14, "mpx"}, {7, 0, kEbx, 15, "rdt_a"}, {7, 0, kEbx, 16, "avx512f"},
    {7, 0, kEbx, 17, "avx512dq"}, {7, 0, kEbx, 18, "rdseed"}, {7, 0, kEbx, 19, "adx"},
    {7, 0, kEbx, 20, "smap"}, {7, 0, kEbx, 21, "avx512ifma"}, {7, 0, kEbx, 23, "clflushopt"},
    {7, 0, kEbx, 24, "clwb"}, {7, 0, kEbx, 25, "intel_pt"}, {7, 0, kEbx, 26, "avx512pf"},
    {7, 0, kEbx, 27, "avx512er"}, {7, 0, kEbx, 28, "avx512cd"}, {7, 0, kEbx, 29, "sha_ni"},
    {7, 0, kEbx, 30, "avx512bw"}, {7, 0, kEbx, 31, "avx512vl"},
    // leaf 0xd.1 EAX (word 10)
    {0xd, 1, kEax, 0, "xsaveopt"}, {0xd, 1, kEax, 1, "xsavec"}, {0xd, 1, kEax, 2, "xgetbv1"},
    {0xd, 1, kEax, 3, "xsaves"},
    // leaf 7.1 EAX (word 12)
    {7, 1, kEax, 4, "avx_vnni"}, {7, 1, kEax, 5, "avx512_bf16"}, {7, 1, kEax, 17, "fred"},
    {7, 1, kEax, 26, "lam"},
    // 0x80000008 EBX (word 13)
    {0x80000008, 0, kEbx, 0, "clzero"}, {0x80000008, 0, kEbx, 1, "irperf"},
    {0x80000008, 0, kEbx, 2, "xsaveerptr"}, {0x80000008, 0, kEbx, 4, "rdpru"},
    {0x80000008, 0, kEbx, 9, "wbnoinvd"}, {0x80000008, 0, kEbx, 23, "amd_ppin"},
    {0x80000008, 0, kEbx, 25, "virt_ssbd"}, {0x80000008, 0, kEbx, 27, "cppc"},
    {0x80000008, 0, kEbx, 31, "brs"},
    // leaf 6 EAX (word 14)
    {6, 0, kEax, 0, "dtherm"}, {6, 0, kEax, 1, "ida"}, {6, 0, kEax, 2, "arat"},
    {6, 0, kEax, 4, "pln"}, {6, 0, kEax, 6, "pts"}, {6, 0, kEax, 7, "hwp"},
    {6, 0, kEax, 8, "hwp_notify"}, {6, 0, kEax, 9, "hwp_act_window"},
    {6, 0, kEax, 10, "hwp_epp"}, {6, 0, kEax, 11, "hwp_pkg_req"}, {6, 0, kEax, 19, "hfi"},
    // 0x8000000a EDX (word 15)
    {0x8000000a, 0, kEdx, 0, "npt"}, {0x8000000a, 0, kEdx, 1, "lbrv"},
    {0x8000000a, 0, kEdx, 2, "svm_lock"}, {0x8000000a, 0, kEdx, 3, "nrip_save"},
    {0x8000000a, 0, kEdx, 4, "tsc_scale"}, {0x8000000a, 0, kEdx, 5, "vmcb_clean"},
    {0x8000000a, 0, kEdx, 6, "flushbyasid"}, {0x8000000a, 0, kEdx, 7, "decodeassists"},
    {0x8000000a, 0, kEdx, 10, "pausefilter"}, {0x8000000a, 0, kEdx, 12, "pfthreshold"},
    {0x8000000a, 0, kEdx, 13, "avic"}, {0x8000000a, 0, kEdx, 15, "v_vmsave_vmload"},
    {0x8000000a, 0, kEdx, 16, "vgif"}, {0x8000000a, 0, kEdx, 18, "x2avic"},
    {0x8000000a, 0, kEdx, 20, "v_spec_ctrl"}, {0x8000000a, 0, kEdx, 25, "vnmi"},
    // leaf 7.0 ECX (word 16)
    {7, 0, kEcx, 1, "avx512vbmi"}, {7, 0, kEcx, 2, "umip"}, {7, 0, kEcx, 3, "pku"},
    {7, 0, kEcx, 4, "ospke"}, {7, 0, kEcx, 5, "waitpkg"}, {7, 0, kEcx, 6, "avx512_vbmi2"},
    {7, 0, kEcx, 8, "gfni"}, {7, 0, kEcx, 9, "vaes"}, {7, 0, kEcx, 10, "vpclmulqdq"},
    {7, 0, kEcx, 11, "avx512_vnni"}, {7, 0, kEcx, 12, "avx512_bitalg"},
    {7, 0, kEcx, 13, "tme"}, {7, 0, kEcx, 14, "avx512_vpopcntdq"}, {7, 0, kEcx, 16, "la57"},
    {7, 0, kEcx, 22, "rdpid"}, {7, 0, kEcx, 24, "bus_lock_detect"},
    {7, 0, kEcx, 25, "cldemote"}, {7, 0, kEcx, 27, "movdiri"}, {7, 0, kEcx, 28, "movdir64b"},
    {7, 0, kEcx, 29, "enqcmd"}, {7, 0, kEcx, 30, "sgx_lc"},
    // 0x80000007 EBX (word 17)
    {0x80000007, 0, kEbx, 0, "overflow_recov"}, {0x80000007, 0, kEbx, 1, "succor"},
    {0x80000007, 0, kEbx, 3, "smca"},
    // leaf 7.0 EDX (word 18)
    {7, 0, kEdx, 2, "avx512_4vnniw"}, {7, 0, kEdx, 3, "avx512_4fmaps"}, {7, 0, kEdx, 4, "fsrm"},
    {7, 0, kEdx, 8, "avx512_vp2intersect"}, {7, 0, kEdx, 10, "md_clear"},
    {7, 0, kEdx, 14, "serialize"}, {7, 0, kEdx, 16, "tsxldtrk"}, {7, 0, kEdx, 18, "pconfig"},
    {7, 0, kEdx, 19, "arch_lbr"}, {7, 0, kEdx, 20, "ibt"}, {7, 0, kEdx, 22, "amx_bf16"},
    {7, 0, kEdx, 23, "avx512_fp16"}, {7, 0, kEdx, 24, "amx_tile"}, {7, 0, kEdx, 25, "amx_int8"},
    {7, 0, kEdx, 28, "flush_l1d"}, {7, 0, kEdx, 29, "arch_capabilities"},
    // 0x8000001f EAX (word 19)
    {0x8000001f, 0, kEax, 0, "sme"}, {0x8000001f, 0, kEax, 1, "sev"},
    {0x8000001f, 0, kEax, 3, "sev_es"}, {0x8000001f, 0, kEax, 4, "sev_snp"},
    {0x8000001f, 0, kEax, 14, "debug_swap"}, {0x8000001f, 0, kEax, 28, "svsm"},
};

// Linux folds Intel's and AMD's speculation-control bits into one name each
// (init_speculation_control() in arch/x86/kernel/cpu/common.c).
constexpr const char* kSpeculationFlags[] = {"ibpb", "ibrs", "ssbd", "stibp"};

std::uint32_t reg_of(const CpuidLeaf& l, Reg r) {
  switch (r) {
    case kEax: return l.eax;
    case kEbx: return l.ebx;
    case kEcx: return l.ecx;
    case kEdx: return l.edx;
  }
  return 0;
}

bool bit_set(const CpuidFacts& facts, std::uint32_t leaf, std::uint32_t subleaf, Reg r, int bit) {
  auto l = facts.find(leaf, subleaf);
  return l && ((reg_of(*l, r) >> bit) & 1u);
}

std::vector<std::string> sorted(std::set<std::string> s) { return {s.begin(), s.end()}; }

}  // namespace

std::optional<CpuidLeaf> CpuidFacts::find(std::uint32_t leaf, std::uint32_t subleaf) const {
  for (const auto& l : leaves)
    if (l.leaf == leaf && l.subleaf == subleaf) return l;
  return std::nullopt;
}

std::uint64_t xcr0_requirement(std::string_view flag) {
  if (flag.starts_with("avx512")) return kXcr0Avx512;
  if (flag.starts_with("amx_")) return kXcr0Amx;
  // VEX/XOP-encoded instructions fault unless the OS enabled YMM state.
  if (flag.starts_with("avx") || flag == "fma" || flag == "f16c" || flag == "fma4" ||
      flag == "xop" || flag == "vaes" || flag == "vpclmulqdq") {
    return kXcr0Avx;
  }
  return 0;
}

std::vector<std::string> decode_x86_cpuid(const CpuidFacts& facts) {
  std::set<std::string> out;
  for (const auto& b : kX86Bits) {
    if (bit_set(facts, b.leaf, b.subleaf, b.reg, b.bit)) out.insert(b.name);
  }
  if (bit_set(facts, 7, 0, kEdx, 26)) {                                   // SPEC_CTRL
    out.insert("ibrs");
    out.insert("ibpb");
  }
  if (bit_set(facts, 7, 0, kEdx, 27)) out.insert("stibp");                // INTEL_STIBP
  if (bit_set(facts, 7, 0, kEdx, 31)) out.insert("ssbd");                 // SPEC_CTRL_SSBD
  if (bit_set(facts, 0x80000008, 0, kEbx, 14)) out.insert("ibrs");        // AMD_IBRS
  if (bit_set(facts, 0x80000008, 0, kEbx, 12)) out.insert("ibpb");        // AMD_IBPB
  if (bit_set(facts, 0x80000008, 0, kEbx, 15)) out.insert("stibp");       // AMD_STIBP
  if (out.contains("virt_ssbd")) out.insert("ssbd");
  if (bit_set(facts, 0x80000008, 0, kEbx, 24)) {                          // AMD_SSBD
    out.insert("ssbd");
    out.erase("virt_ssbd");  // the kernel prefers the real MSR and hides the virtual one
  }
  // XGETBV is only meaningful once the OS set CR4.OSXSAVE (leaf 1 ECX bit 27).
  std::uint64_t xcr0 = bit_set(facts, 1, 0, kEcx, 27) ? facts.xcr0 : 0;
  std::erase_if(out, [&](const std::string& f) {
    auto need = xcr0_requirement(f);
    return need != 0 && (xcr0 & need) != need;
  });
  return sorted(std::move(out));
}

CpuInfo decode_x86_identity(const CpuidFacts& facts) {
  CpuInfo info;
  auto text_of = [](std::initializer_list<std::uint32_t> regs) {
    std::string s;
    for (auto r : regs)
      for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((r >> (8 * i)) & 0xff));
    return s;
  };
  if (auto l0 = facts.find(0)) info.vendor = text_of({l0->ebx, l0->edx, l0->ecx});
  if (auto l1 = facts.find(1)) {
    // Display family/model as Linux computes them (arch/x86/lib/cpu.c).
    std::uint32_t sig = l1->eax;
    std::uint32_t family = (sig >> 8) & 0xf;
    if (family == 0xf) family += (sig >> 20) & 0xff;
    std::uint32_t model = (sig >> 4) & 0xf;
    if (family >= 6) model += ((sig >> 16) & 0xf) << 4;
    info.family = std::to_string(family);
    info.model_id = std::to_string(model);
    info.stepping = std::to_string(sig & 0xf);
  }
  auto b2 = facts.find(0x80000002), b3 = facts.find(0x80000003), b4 = facts.find(0x80000004);
  if (b2 && b3 && b4) {
    std::string brand = text_of({b2->eax, b2->ebx, b2->ecx, b2->edx, b3->eax, b3->ebx, b3->ecx,
                                 b3->edx, b4->eax, b4->ebx, b4->ecx, b4->edx});
    brand.resize(std::min(brand.size(), brand.find('\0')));
    info.model = std::string(trim(brand));
  }
  info.vendor.resize(std::min(info.vendor.size(), info.vendor.find('\0')));
  info.flags = decode_x86_cpuid(facts);
  return info;
}

std::vector<std::string> x86_cpuid_flag_names() {
  std::set<std::string> out(std::begin(kSpeculationFlags), std::end(kSpeculationFlags));
  for (const auto& b : kX86Bits) out.insert(b.name);
  return sorted(std::move(out));
}

std::vector<std::string> decode_arm64_hwcaps(std::uint64_t hwcap, std::uint64_t hwcap2) {
  std::set<std::string> out;
  for (int i = 0; i < 32; ++i)
    if ((hwcap >> i) & 1u) out.insert(kHwcap[i]);
  for (int i = 0; i < 64; ++i)
    if ((hwcap2 >> i) & 1u) out.insert(kHwcap2[i]);
  return sorted(std::move(out));
}

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  std::optional<std::set<std::string>> common;  // flags every processor lists
  std::set<std::string> physical_ids;
  std::string_view arm_implementer, arm_part, arm_variant, arm_revision;
  auto first = [](std::string& field, std::string_view value) {
    if (field.empty()) field = std::string(value);
  };
  auto first_view = [](std::string_view& field, std::string_view value) {
    if (field.empty()) field = value;
  };

  for (std::string_view line : Lines(text)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));

    if (key == "processor") {
      if (info.logical < kMaxCpus) ++info.logical;
    } else if (key == "flags" || key == "Features") {
      auto set = tokens(value);
      if (!common) {
        common = std::move(set);
      } else {
        std::erase_if(*common, [&](const std::string& f) { return !set.contains(f); });
      }
    } else if (key == "vendor_id") {
      first(info.vendor, value);
    } else if (key == "model name") {
      first(info.model, value);
    } else if (key == "cpu family") {
      first(info.family, value);
    } else if (key == "model") {
      first(info.model_id, value);
    } else if (key == "stepping") {
      first(info.stepping, value);
    } else if (key == "physical id") {
      if (physical_ids.size() < kMaxPhysicalIds && value.size() <= kMaxToken) {
        physical_ids.emplace(value);
      }
    } else if (key == "CPU implementer") {
      first_view(arm_implementer, value);
    } else if (key == "CPU architecture") {
      first(info.family, value);
    } else if (key == "CPU variant") {
      first_view(arm_variant, value);
    } else if (key == "CPU part") {
      first_view(arm_part, value);
    } else if (key == "CPU revision") {
      first_view(arm_revision, value);
    }
  }
  // "model name" on arm64 appears only for 32-bit tasks ("ARMv8 Processor rev 1 (v8l)");
  // the MIDR fields name the core better.
  if (!arm_implementer.empty() && info.vendor.empty()) {
    info.model.clear();
    apply_arm64_identity(info, arm_implementer, arm_part, arm_variant, arm_revision);
  }
  if (common) info.flags = sorted(std::move(*common));
  info.sockets = static_cast<std::int64_t>(physical_ids.size());
  return info;
}

std::optional<std::int64_t> parse_meminfo_total(std::string_view text) {
  for (std::string_view line : Lines(text)) {
    if (!line.starts_with("MemTotal:")) continue;
    auto rest = trim(line.substr(9));
    std::int64_t unit = 1;
    if (rest.ends_with("kB")) {
      unit = 1024;
      rest = trim(rest.substr(0, rest.size() - 2));
    }
    auto n = parse_number<std::int64_t>(rest);
    if (!n || *n < 0 || *n > std::numeric_limits<std::int64_t>::max() / unit) return std::nullopt;
    return *n * unit;
  }
  return std::nullopt;
}

std::vector<std::string> merge_cpu_flags(const std::vector<std::string>& proc_flags,
                                         const std::vector<std::string>& native) {
  if (proc_flags.empty()) {
    std::set<std::string> s(native.begin(), native.end());
    return sorted(std::move(s));
  }
  std::set<std::string> have(native.begin(), native.end());
  std::set<std::string> out;
  for (const auto& f : proc_flags) {
    if (xcr0_requirement(f) != 0 && !have.contains(f)) continue;
    out.insert(f);
  }
  return sorted(std::move(out));
}

void probe_cpu(const FileSystem& host, lockfile::Fingerprint& fp) {
  const bool live = host.is_live();
  if (!fp.hardware) fp.hardware.emplace();
  auto& cpu = fp.hardware->cpu;
  auto diagnose = [&](const char* path, const Error& e) {
    if (live || host.exists(path)) fp.diagnostics.push_back({path, e.message});
  };

  CpuInfo info;
  if (auto text = host.read("/proc/cpuinfo", kCpuinfoLimit)) {
    info = parse_cpuinfo(*text);
  } else {
    diagnose("/proc/cpuinfo", text.error());
  }
  if (live && info.vendor.empty()) {
    // No /proc (a minimal container): the instruction path names the CPU itself.
    auto native = decode_x86_identity(native_cpuid_facts());
    info.vendor = native.vendor;
    info.model = native.model;
    info.family = native.family;
    info.model_id = native.model_id;
    info.stepping = native.stepping;
  }
  cpu.vendor = info.vendor;
  cpu.model = info.model;
  cpu.family = info.family;
  cpu.model_id = info.model_id;
  cpu.stepping = info.stepping;
  cpu.flags = live ? merge_cpu_flags(info.flags, native_cpu_flags()) : info.flags;

  cpu.cores = info.logical;
  if (cpu.cores == 0) {
    if (auto online = host.read("/sys/devices/system/cpu/online", kSmallFileLimit)) {
      cpu.cores = count_cpu_list(*online).value_or(0);
    }
  }
  cpu.sockets = info.sockets != 0 ? info.sockets : sysfs_sockets(host);

  if (auto text = host.read("/proc/meminfo", kSmallFileLimit)) {
    if (auto total = parse_meminfo_total(*text)) {
      cpu.memory_bytes = *total;
    } else {
      fp.diagnostics.push_back({"/proc/meminfo", "no MemTotal line"});
    }
  } else {
    diagnose("/proc/meminfo", text.error());
  }
}

}  // namespace envlock::scanner

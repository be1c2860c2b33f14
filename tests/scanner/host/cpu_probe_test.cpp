#include "scanner/host/cpu_probe.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "scanner/fs/disk_filesystem.hpp"
#include "support/paths.hpp"

namespace envlock::scanner {
namespace {

std::string host_root(const std::string& name) {
  return std::string(ENVLOCK_FIXTURES) + "/hosts/" + name;
}

lockfile::Fingerprint probe_fixture(const std::string& name) {
  DiskFileSystem host(host_root(name));
  lockfile::Fingerprint fp;
  probe_cpu(host, fp);
  return fp;
}

std::vector<std::string> split_sorted(const std::string& words) {
  std::istringstream in(words);
  std::set<std::string> out{std::istream_iterator<std::string>(in), {}};
  return {out.begin(), out.end()};
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(CpuProbe, IntelXeonWithAvx512TwoSockets) {
  auto fp = probe_fixture("intel-avx512");
  ASSERT_TRUE(fp.hardware.has_value());
  const auto& cpu = fp.hardware->cpu;
  EXPECT_EQ(cpu.vendor, "GenuineIntel");
  EXPECT_EQ(cpu.model, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
  EXPECT_EQ(cpu.family, "6");
  EXPECT_EQ(cpu.model_id, "85");
  EXPECT_EQ(cpu.stepping, "7");
  EXPECT_EQ(cpu.cores, 8);
  EXPECT_EQ(cpu.sockets, 2);
  EXPECT_EQ(cpu.memory_bytes, 65856200ll * 1024);
  EXPECT_EQ(cpu.flags,
            split_sorted(
                "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush "
                "mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon "
                "rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma "
                "cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c "
                "rdrand hypervisor lahf_lm abm 3dnowprefetch invpcid_single ssbd ibrs ibpb stibp "
                "ibrs_enhanced fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx "
                "avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl "
                "xsaveopt xsavec xgetbv1 xsaves arat pku ospke avx512_vnni md_clear "
                "arch_capabilities"));
  EXPECT_TRUE(std::is_sorted(cpu.flags.begin(), cpu.flags.end()));
  EXPECT_TRUE(fp.diagnostics.empty());
  EXPECT_TRUE(fp.hardware->gpus.empty());
}

TEST(CpuProbe, AmdEpycHasAvx2ButNoAvx512) {
  auto fp = probe_fixture("amd-epyc");
  const auto& cpu = fp.hardware->cpu;
  EXPECT_EQ(cpu.vendor, "AuthenticAMD");
  EXPECT_EQ(cpu.model, "AMD EPYC 7763 64-Core Processor");
  EXPECT_EQ(cpu.family, "25");
  EXPECT_EQ(cpu.model_id, "1");
  EXPECT_EQ(cpu.stepping, "1");
  EXPECT_EQ(cpu.cores, 4);
  EXPECT_EQ(cpu.sockets, 1);
  EXPECT_EQ(cpu.memory_bytes, 16381284ll * 1024);
  EXPECT_EQ(cpu.flags.size(), 102u);
  EXPECT_TRUE(has(cpu.flags, "avx2"));
  EXPECT_TRUE(has(cpu.flags, "sha_ni"));
  EXPECT_TRUE(has(cpu.flags, "vaes"));
  EXPECT_FALSE(has(cpu.flags, "avx512f"));
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(CpuProbe, Arm64GravitonFromFeaturesAndSysfsTopology) {
  auto fp = probe_fixture("arm64-graviton");
  const auto& cpu = fp.hardware->cpu;
  EXPECT_EQ(cpu.vendor, "ARM");
  EXPECT_EQ(cpu.model, "Neoverse-V1");
  EXPECT_EQ(cpu.family, "8");
  EXPECT_EQ(cpu.model_id, "0xd40");
  EXPECT_EQ(cpu.stepping, "r1p1");
  EXPECT_EQ(cpu.cores, 8);
  EXPECT_EQ(cpu.sockets, 1);  // no "physical id" on arm64: sysfs physical_package_id
  EXPECT_EQ(cpu.memory_bytes, 15901344ll * 1024);
  EXPECT_EQ(cpu.flags,
            split_sorted("fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid "
                         "asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm "
                         "dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 "
                         "dgh rng"));
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(CpuProbe, HostWithoutProcIsQuietWhenNotLive) {
  // no-gpu records only meminfo: an image-like tree with no /proc/cpuinfo.
  auto fp = probe_fixture("no-gpu");
  const auto& cpu = fp.hardware->cpu;
  EXPECT_EQ(cpu.vendor, "");
  EXPECT_TRUE(cpu.flags.empty());
  EXPECT_EQ(cpu.cores, 0);
  EXPECT_EQ(cpu.sockets, 0);
  EXPECT_EQ(cpu.memory_bytes, 8131940ll * 1024);
  EXPECT_TRUE(fp.diagnostics.empty());
}

TEST(CpuProbe, KeepsAnExistingHardwareSection) {
  DiskFileSystem host(host_root("amd-epyc"));
  lockfile::Fingerprint fp;
  fp.hardware.emplace().gpus.push_back({});
  probe_cpu(host, fp);
  EXPECT_EQ(fp.hardware->gpus.size(), 1u);
  EXPECT_EQ(fp.hardware->cpu.vendor, "AuthenticAMD");
}

TEST(ParseCpuinfo, FlagsAreThoseEveryProcessorHas) {
  auto info = parse_cpuinfo(
      "processor\t: 0\nflags\t\t: sse avx avx2 \nphysical id\t: 0\n\n"
      "processor\t: 1\nflags\t\t: sse avx2 avx512f\nphysical id\t: 1\n\n"
      "processor\t: 2\nflags\t\t: avx2 sse\nphysical id\t: 1\n");
  EXPECT_EQ(info.flags, (std::vector<std::string>{"avx2", "sse"}));
  EXPECT_EQ(info.logical, 3);
  EXPECT_EQ(info.sockets, 2);
}

TEST(ParseCpuinfo, IgnoresGarbageAndOverlongTokens) {
  std::string long_token(65, 'a');
  auto info = parse_cpuinfo("no colon here\n:\n: value without key\nflags : sse " + long_token +
                            " x\r\nmodel name :   Some CPU   \n\n\n");
  EXPECT_EQ(info.flags, (std::vector<std::string>{"sse", "x"}));
  EXPECT_EQ(info.model, "Some CPU");
  EXPECT_EQ(info.logical, 0);
  EXPECT_EQ(parse_cpuinfo("").flags.size(), 0u);
}

TEST(ParseCpuinfo, FirstValueWinsForIdentity) {
  auto info = parse_cpuinfo("vendor_id : A\nmodel name : first\n\nvendor_id : B\nmodel name : second\n");
  EXPECT_EQ(info.vendor, "A");
  EXPECT_EQ(info.model, "first");
}

TEST(ParseCpuinfo, Arm64UnknownPartKeepsNumbers) {
  auto info = parse_cpuinfo(
      "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0xc0\n"
      "CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xac3\nCPU revision\t: 0\n");
  EXPECT_EQ(info.vendor, "Ampere");
  EXPECT_EQ(info.model, "");
  EXPECT_EQ(info.model_id, "0xac3");
  EXPECT_EQ(info.stepping, "r0p0");
  EXPECT_EQ(info.family, "8");
}

TEST(ParseMeminfo, MemTotalInBytes) {
  EXPECT_EQ(parse_meminfo_total("MemFree: 1 kB\nMemTotal:    1024 kB\n"), 1048576);
  EXPECT_EQ(parse_meminfo_total("MemTotal: 4096\n"), 4096);
  EXPECT_EQ(parse_meminfo_total("MemFree: 1 kB\n"), std::nullopt);
  EXPECT_EQ(parse_meminfo_total("MemTotal: lots kB\n"), std::nullopt);
  EXPECT_EQ(parse_meminfo_total("MemTotal: 99999999999999999 kB\n"), std::nullopt);
  EXPECT_EQ(parse_meminfo_total("MemTotal: -5 kB\n"), std::nullopt);
}

TEST(CpuProbe, MeminfoWithoutTotalIsADiagnostic) {
  auto dir = testing::TempDir() + "cpu_probe_meminfo";
  std::filesystem::create_directories(dir + "/proc");
  { std::ofstream(dir + "/proc/meminfo") << "MemFree: 1 kB\n"; }
  DiskFileSystem host(dir);
  lockfile::Fingerprint fp;
  probe_cpu(host, fp);
  ASSERT_EQ(fp.diagnostics.size(), 1u);
  EXPECT_EQ(fp.diagnostics[0].subject, "/proc/meminfo");
  EXPECT_EQ(fp.diagnostics[0].message, "no MemTotal line");
}

// --- the instruction path, from recorded registers -------------------------

CpuidFacts facts_with(std::vector<CpuidLeaf> leaves, std::uint64_t xcr0) {
  CpuidFacts f;
  f.leaves = std::move(leaves);
  f.xcr0 = xcr0;
  return f;
}

constexpr std::uint32_t bit(int n) { return 1u << n; }

// leaf 1: sse2 (EDX 26); ECX: fma 12, xsave 26, osxsave 27, avx 28. leaf 7: avx2 (EBX 5),
// avx512f (EBX 16), amx_tile (EDX 24).
std::vector<CpuidLeaf> avx_machine(bool osxsave) {
  return {{1, 0, 0, 0, bit(12) | bit(26) | (osxsave ? bit(27) : 0) | bit(28), bit(26)},
          {7, 0, 0, bit(5) | bit(16), 0, bit(24)}};
}

TEST(DecodeX86, FeaturesCountOnlyWithOsEnabledState) {
  EXPECT_EQ(decode_x86_cpuid(facts_with(avx_machine(true), 0x3)),
            (std::vector<std::string>{"sse2", "xsave"}));
  EXPECT_EQ(decode_x86_cpuid(facts_with(avx_machine(true), 0x7)),
            (std::vector<std::string>{"avx", "avx2", "fma", "sse2", "xsave"}));
  EXPECT_EQ(decode_x86_cpuid(facts_with(avx_machine(true), 0xe7)),
            (std::vector<std::string>{"avx", "avx2", "avx512f", "fma", "sse2", "xsave"}));
  EXPECT_EQ(decode_x86_cpuid(facts_with(avx_machine(true), 0x600e7)),
            (std::vector<std::string>{"amx_tile", "avx", "avx2", "avx512f", "fma", "sse2", "xsave"}));
  // Without CR4.OSXSAVE the XCR0 value is meaningless: no extended state counts.
  EXPECT_EQ(decode_x86_cpuid(facts_with(avx_machine(false), 0x600e7)),
            (std::vector<std::string>{"sse2", "xsave"}));
}

TEST(DecodeX86, SpeculationControlUsesLinuxNames) {
  // AMD: 0x80000008 EBX ibpb 12, ibrs 14, stibp 15, amd_ssbd 24, virt_ssbd 25.
  auto amd = decode_x86_cpuid(
      facts_with({{0x80000008, 0, 0, bit(12) | bit(14) | bit(15) | bit(24) | bit(25), 0, 0}}, 0));
  EXPECT_EQ(amd, (std::vector<std::string>{"ibpb", "ibrs", "ssbd", "stibp"}));
  auto virt = decode_x86_cpuid(facts_with({{0x80000008, 0, 0, bit(25), 0, 0}}, 0));
  EXPECT_EQ(virt, (std::vector<std::string>{"ssbd", "virt_ssbd"}));
  // Intel: leaf 7 EDX spec_ctrl 26, intel_stibp 27, spec_ctrl_ssbd 31.
  auto intel = decode_x86_cpuid(facts_with({{7, 0, 0, 0, 0, bit(26) | bit(27) | bit(31)}}, 0));
  EXPECT_EQ(intel, (std::vector<std::string>{"ibpb", "ibrs", "ssbd", "stibp"}));
}

TEST(DecodeX86, LeavesThatWereNotReadSayNothing) {
  EXPECT_TRUE(decode_x86_cpuid(CpuidFacts{}).empty());
  auto names = x86_cpuid_flag_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(has(names, "avx512_vnni"));
  EXPECT_TRUE(has(names, "pni"));
  EXPECT_TRUE(has(names, "ssbd"));
  EXPECT_FALSE(has(names, "constant_tsc"));  // kernel-synthesized
}

TEST(DecodeX86, IdentityAsLinuxShowsIt) {
  auto regs = [](const char* s) {
    std::uint32_t r[4] = {};
    for (int i = 0; i < 16 && s[i]; ++i) r[i / 4] |= std::uint32_t(std::uint8_t(s[i])) << (8 * (i % 4));
    return std::vector<std::uint32_t>(r, r + 4);
  };
  auto b2 = regs("  Intel(R) Xeon(");
  auto b3 = regs("R) Gold 6248 CPU");
  auto b4 = regs(" @ 2.50GHz");
  auto vendor = regs("GenuineIntel");
  CpuidFacts f = facts_with({{0, 0, 22, vendor[0], vendor[2], vendor[1]},
                             {1, 0, 0x00050657, 0, 0, 0},
                             {0x80000002, 0, b2[0], b2[1], b2[2], b2[3]},
                             {0x80000003, 0, b3[0], b3[1], b3[2], b3[3]},
                             {0x80000004, 0, b4[0], b4[1], b4[2], b4[3]}},
                            0);
  auto id = decode_x86_identity(f);
  EXPECT_EQ(id.vendor, "GenuineIntel");
  EXPECT_EQ(id.model, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
  EXPECT_EQ(id.family, "6");
  EXPECT_EQ(id.model_id, "85");
  EXPECT_EQ(id.stepping, "7");
  // AMD Milan 0x00a00f11: base family 0xf + extended 0xa = 25, model 1.
  auto amd = decode_x86_identity(facts_with({{1, 0, 0x00a00f11, 0, 0, 0}}, 0));
  EXPECT_EQ(amd.family, "25");
  EXPECT_EQ(amd.model_id, "1");
  EXPECT_EQ(amd.stepping, "1");
}

TEST(DecodeArm64, HwcapBitsToFeatureNames) {
  EXPECT_EQ(decode_arm64_hwcaps((1u << 0) | (1u << 1) | (1u << 22) | (1ull << 31), 0),
            (std::vector<std::string>{"asimd", "fp", "pacg", "sve"}));
  EXPECT_EQ(decode_arm64_hwcaps(0, (1u << 1) | (1u << 14) | (1ull << 47) | (1ull << 63)),
            (std::vector<std::string>{"bf16", "lse128", "poe", "sve2"}));
  EXPECT_EQ(decode_arm64_hwcaps(~0ull, ~0ull).size(), 96u);
}

TEST(MergeCpuFlags, ProcIsAuthoritativeButStateGatedFlagsNeedTheCpuidPath) {
  std::vector<std::string> proc = {"avx", "avx512f", "constant_tsc", "sse2"};
  EXPECT_EQ(merge_cpu_flags(proc, {"avx", "sse2"}),
            (std::vector<std::string>{"avx", "constant_tsc", "sse2"}));
  EXPECT_EQ(merge_cpu_flags({}, {"sse2", "avx"}), (std::vector<std::string>{"avx", "sse2"}));
  EXPECT_EQ(merge_cpu_flags(proc, {"avx", "avx512f", "amx_tile"}),
            (std::vector<std::string>{"avx", "avx512f", "constant_tsc", "sse2"}));
}

TEST(Xcr0Requirement, ByFeatureFamily) {
  EXPECT_EQ(xcr0_requirement("avx"), kXcr0Avx);
  EXPECT_EQ(xcr0_requirement("avx_vnni"), kXcr0Avx);
  EXPECT_EQ(xcr0_requirement("vpclmulqdq"), kXcr0Avx);
  EXPECT_EQ(xcr0_requirement("avx512_vnni"), kXcr0Avx512);
  EXPECT_EQ(xcr0_requirement("amx_int8"), kXcr0Amx);
  EXPECT_EQ(xcr0_requirement("sse4_2"), 0u);
  EXPECT_EQ(xcr0_requirement("gfni"), 0u);  // has legacy SSE encodings
}

// --- this machine -----------------------------------------------------------

// Instruction-set flags every kernel since 4.x names; on these, the cpuid path
// and /proc/cpuinfo must agree on any host. rdrand and rdseed are not among
// them: kernels clear them where the hardware is known to return bad values
// (AMD's RDSEED erratum on Zen 5 EPYC, 2025) while cpuid still sets the bit. The rest is reported, not asserted:
// kernels of other versions name or clear other flags (docs/hardware.md).
const std::set<std::string> kCoreIsa = {
    "sse", "sse2", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "aes", "pclmulqdq", "cx16",
    "movbe", "xsave", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "adx",
    "sha_ni", "lm", "nx", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
    "avx512ifma", "avx512vbmi", "fp", "asimd", "aes", "pmull", "sha1", "sha2", "crc32",
    "atomics", "sve"};

TEST(CpuLive, CpuidPathAgreesWithProcCpuinfo) {
  DiskFileSystem live = DiskFileSystem::live_host();
  auto text = live.read("/proc/cpuinfo", 16 << 20);
  if (!text) GTEST_SKIP() << "no /proc/cpuinfo: " << text.error().message;
  auto proc = parse_cpuinfo(*text);
  auto facts = native_cpuid_facts();
  auto native = native_cpu_flags();
  bool x86 = !facts.leaves.empty();
  auto known = x86 ? x86_cpuid_flag_names() : decode_arm64_hwcaps(~0ull, ~0ull);
  std::set<std::string> p(proc.flags.begin(), proc.flags.end());
  std::set<std::string> n(native.begin(), native.end());
  std::string only_proc, only_native, unknown;
  for (const auto& f : known) {
    if (p.contains(f) && !n.contains(f)) only_proc += " " + f;
    if (n.contains(f) && !p.contains(f)) only_native += " " + f;
    if (kCoreIsa.contains(f)) {
      EXPECT_EQ(p.contains(f), n.contains(f)) << f;
    }
  }
  for (const auto& f : p)
    if (!has(known, f)) unknown += " " + f;
  std::cout << "[cpu-live] /proc only:" << only_proc << "\n[cpu-live] cpuid only:" << only_native
            << "\n[cpu-live] kernel-only (no cpuid source):" << unknown << "\n";
  if (x86) {
    auto id = decode_x86_identity(facts);
    EXPECT_EQ(id.vendor, proc.vendor);
    EXPECT_EQ(id.family, proc.family);
    EXPECT_EQ(id.model_id, proc.model_id);
    EXPECT_EQ(id.stepping, proc.stepping);
  }
}

TEST(CpuLive, ProbeOfThisHost) {
  DiskFileSystem live = DiskFileSystem::live_host();
  if (!live.exists("/proc/cpuinfo")) GTEST_SKIP() << "no /proc";
  lockfile::Fingerprint fp;
  probe_cpu(live, fp);
  const auto& cpu = fp.hardware->cpu;
  EXPECT_GT(cpu.cores, 0);
  EXPECT_GT(cpu.memory_bytes, 0);
  EXPECT_FALSE(cpu.flags.empty());
  EXPECT_TRUE(std::is_sorted(cpu.flags.begin(), cpu.flags.end()));
  EXPECT_TRUE(fp.diagnostics.empty());
}

}  // namespace
}  // namespace envlock::scanner

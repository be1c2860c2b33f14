// Architectures without an instruction path of their own (riscv64, ppc64le,
// s390x, ...): /proc/cpuinfo alone describes the CPU. Compiled only there
// (scanner/CMakeLists.txt picks the *_x86, *_arm64 or *_generic file), so the
// project builds on every Linux architecture Debian ships.

#include "scanner/host/cpu_probe.hpp"

namespace envlock::scanner {

CpuidFacts native_cpuid_facts() { return {}; }

// No flags from instructions: merge_cpu_flags keeps /proc/cpuinfo's list as it is.
std::vector<std::string> native_cpu_flags() { return {}; }

}  // namespace envlock::scanner

// The x86-64 instruction path: cpuid and xgetbv. Compiled only on x86-64
// (scanner/CMakeLists.txt picks *_x86.cpp by architecture); decoding the
// registers into Linux names is portable code in cpu_probe.cpp.

#include <cpuid.h>

#include <utility>

#include "scanner/host/cpu_probe.hpp"

namespace envlock::scanner {
namespace {

CpuidLeaf query(std::uint32_t leaf, std::uint32_t subleaf) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid_count(leaf, subleaf, a, b, c, d);
  return {leaf, subleaf, a, b, c, d};
}

std::uint64_t read_xcr0() {
  std::uint32_t lo = 0, hi = 0;
  // Encoded by hand so the file needs no -mxsave; valid only once CR4.OSXSAVE is set.
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

}  // namespace

CpuidFacts native_cpuid_facts() {
  CpuidFacts facts;
  // Asking for a leaf above the maximum returns another leaf's data on Intel,
  // so every query is checked against leaf 0 / 0x80000000 first.
  CpuidLeaf basic = query(0, 0);
  facts.leaves.push_back(basic);
  const std::pair<std::uint32_t, std::uint32_t> wanted_basic[] = {
      {1, 0},   {6, 0},    {7, 0},    {7, 1},    {0xd, 0},  {0xd, 1},
      {0xf, 0}, {0xf, 1},  {0x10, 0}, {0x10, 1}, {0x10, 2}, {0x14, 0}, {0x19, 0}};
  std::uint32_t max_subleaf7 = 0;
  for (auto [leaf, sub] : wanted_basic) {
    if (leaf > basic.eax) continue;
    if (leaf == 7 && sub > max_subleaf7) continue;
    CpuidLeaf l = query(leaf, sub);
    if (leaf == 7 && sub == 0) max_subleaf7 = l.eax;
    facts.leaves.push_back(l);
  }
  CpuidLeaf ext = query(0x80000000, 0);
  if ((ext.eax & 0xffff0000u) == 0x80000000u) {
    facts.leaves.push_back(ext);
    const std::uint32_t wanted_ext[] = {0x80000001, 0x80000002, 0x80000003, 0x80000004,
                                        0x80000007, 0x80000008, 0x8000000a, 0x8000001f,
                                        0x80000021, 0x80000022};
    for (auto leaf : wanted_ext) {
      if (leaf <= ext.eax) facts.leaves.push_back(query(leaf, 0));
    }
  }
  auto l1 = facts.find(1);
  if (l1 && ((l1->ecx >> 27) & 1u)) facts.xcr0 = read_xcr0();
  return facts;
}

std::vector<std::string> native_cpu_flags() { return decode_x86_cpuid(native_cpuid_facts()); }

}  // namespace envlock::scanner

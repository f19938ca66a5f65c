// One run-time dispatch design for every hot path: a table of the kernel sets this CPU can run, best
// first, and the one in use. Each kernel file (mask_kernels.cc, utf8.cc) fills one table; its Node-API
// glue only reads it. No Node-API here.
#pragma once

#include <atomic>
#include <cstring>

namespace krozen {

// `Kernels` is a struct of function pointers with a `const char* name` (as reported to JS).
template <typename Kernels, int Capacity = 4>
class KernelTable {
 public:
  // `fill(table)` adds the sets, best first: KernelTable<K> table([](KernelTable<K>& t) { t.Add(...); });
  template <typename Fill>
  explicit KernelTable(Fill fill) {
    fill(*this);
  }

  // Listed best first; only add what this CPU can run.
  void Add(const Kernels& kernels) {
    if (count_ < Capacity) items_[count_++] = kernels;
  }

  // The set in use: the best, unless a test or benchmark selected another.
  const Kernels& Current() const { return items_[current_.load(std::memory_order_relaxed)]; }
  int CurrentIndex() const { return current_.load(std::memory_order_relaxed); }

  int Count() const { return count_; }
  const Kernels& At(int i) const { return items_[i]; }

  // Selects a set by name, process-wide (every thread, every worker). Returns the index that was in
  // use before, or -1 (and changes nothing) when this CPU has no set of that name.
  int Select(const char* name) {
    for (int i = 0; i < count_; ++i) {
      if (std::strcmp(items_[i].name, name) == 0) return current_.exchange(i);
    }
    return -1;
  }

 private:
  Kernels items_[Capacity] = {};
  int count_ = 0;
  std::atomic<int> current_{0};
};

}  // namespace krozen

// SPDX-License-Identifier: MIT
// The entry point every fuzz target defines (libFuzzer's signature). In normal
// builds fuzz_replay.cpp calls it on each file of the target's corpus.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
